"""Two interleaving half circles (scikit-learn's make_moons): a small 2-class problem in 2-D."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._arrays import ArrayDataset


class Moons(ArrayDataset):
    """n points: x is float32 of shape (2,), y an int64 class in {0, 1}; the same seed gives the
    same points. Use a different seed for a test set."""

    def __init__(self, n: int = 1000, noise: float = 0.1, seed: int = 0,
                 transform: Callable | None = None, target_transform: Callable | None = None):
        from sklearn.datasets import make_moons

        if n <= 0:
            raise ValueError(f"Moons: n must be positive, got {n}")
        x, y = make_moons(n_samples=n, noise=noise, random_state=seed)
        super().__init__(x.astype(np.float32), y.astype(np.int64), transform, target_transform)
