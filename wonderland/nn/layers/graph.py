"""GCNConv."""
__all__: list[str] = []
