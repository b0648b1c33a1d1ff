"""Linear maps and lookups: linear, bilinear, embedding; dropout."""
__all__: list[str] = []
