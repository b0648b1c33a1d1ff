"""The shared shape of the in-memory datasets here: `data` and `targets` arrays, indexed to
(x, y) pairs with optional transforms."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..dataset import Dataset


class ArrayDataset(Dataset):
    """A map-style dataset over two equally long arrays: item i is
    (transform(data[i]), target_transform(targets[i]))."""

    def __init__(self, data: np.ndarray, targets: np.ndarray, transform: Callable | None = None,
                 target_transform: Callable | None = None):
        if len(data) != len(targets):
            raise ValueError(f"{type(self).__name__}: {len(data)} examples but "
                             f"{len(targets)} targets")
        self.data = data
        self.targets = targets
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int):
        n = len(self.data)
        if not -n <= index < n:
            raise IndexError(f"{type(self).__name__}: index {index} out of range for {n} examples")
        x, y = self.data[index], self.targets[index]
        if self.transform is not None:
            x = self.transform(x)
        if self.target_transform is not None:
            y = self.target_transform(y)
        return x, y

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n={len(self)})"


def split_indices(n: int, test_fraction: float, seed: int, train: bool) -> np.ndarray:
    """The train or test part of a seeded permutation of range(n); the two never overlap."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    perm = np.random.default_rng(seed).permutation(n)
    n_test = int(round(n * test_fraction))
    return np.sort(perm[n_test:] if train else perm[:n_test])
