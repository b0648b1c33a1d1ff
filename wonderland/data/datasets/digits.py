"""scikit-learn's 8x8 handwritten digits (1797 images, 10 classes), seeded train/test split."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._arrays import ArrayDataset, split_indices


class Digits(ArrayDataset):
    """8x8 digits: x is float32 of shape (64,) (or (1, 8, 8) with image=True) scaled to [0, 1],
    y an int64 class in 0..9. The split keeps test_fraction of a seeded permutation for test."""

    def __init__(self, train: bool = True, test_fraction: float = 0.2, seed: int = 0,
                 image: bool = False, transform: Callable | None = None,
                 target_transform: Callable | None = None):
        from sklearn.datasets import load_digits

        bunch = load_digits()
        idx = split_indices(len(bunch.target), test_fraction, seed, train)
        x = (bunch.data[idx] / 16.0).astype(np.float32)
        if image:
            x = x.reshape(-1, 1, 8, 8)
        super().__init__(x, bunch.target[idx].astype(np.int64), transform, target_transform)
        self.train = train
        self.classes = list(range(10))
