"""Activation layers: ReLU, GELU, SiLU, Softmax, GLU ..."""
__all__: list[str] = []
