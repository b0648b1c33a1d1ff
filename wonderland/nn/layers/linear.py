"""Linear, Bilinear, Identity, Flatten, Unflatten."""
__all__: list[str] = []
