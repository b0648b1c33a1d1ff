"""Embedding (with padding_idx)."""
__all__: list[str] = []
