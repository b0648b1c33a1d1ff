"""Distances between distributions and samples: Gaussian KL, (sliced) Wasserstein-1, MMD."""
__all__: list[str] = []
