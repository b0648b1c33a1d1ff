"""MultiheadAttention and RotaryEmbedding."""
__all__: list[str] = []
