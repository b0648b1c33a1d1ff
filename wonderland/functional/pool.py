"""Pooling and resampling: max/avg pooling, adaptive average pooling, upsampling."""
__all__: list[str] = []
