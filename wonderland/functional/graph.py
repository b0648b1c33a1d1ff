"""Graph convolution: the symmetrically normalised adjacency and the GCN propagation rule."""
__all__: list[str] = []
