"""Convolutions as matrix products over strided windows: conv1d, conv2d, conv_transpose1d/2d."""
__all__: list[str] = []
