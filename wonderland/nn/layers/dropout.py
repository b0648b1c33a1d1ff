"""Dropout and Dropout2d."""
__all__: list[str] = []
