"""Activation functions: relu, gelu, silu, softmax, log_softmax, glu ..."""
__all__: list[str] = []
