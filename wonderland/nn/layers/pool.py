"""Pooling layers and Upsample."""
__all__: list[str] = []
