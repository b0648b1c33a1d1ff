"""Datasets: the map-style base class, tensors as a dataset, subsets, concatenation and a
seeded random split by lengths or fractions."""
from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

import numpy as np

from ..core.random import Generator, get_generator


class Dataset:
    """A map-style dataset: subclasses define __getitem__(index) and __len__."""

    def __getitem__(self, index: int):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the index-th rows of equally long tensors (or NumPy arrays), as a tuple."""

    def __init__(self, *tensors) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        sizes = [len(t) for t in tensors]
        if any(s != sizes[0] for s in sizes):
            raise ValueError(f"all tensors must have the same first dimension, got sizes {sizes}")
        self.tensors = tensors

    def __getitem__(self, index: int) -> tuple:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return len(self.tensors[0])


class Subset(Dataset):
    """The samples of `dataset` at the given `indices`, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, index: int):
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after another, indexed as one."""

    def __init__(self, datasets: Sequence[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int):
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"index {index} out of range for a dataset of length {n}")
        k = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[k - 1] if k else 0
        return self.datasets[k][index - start]


def _lengths(n: int, lengths: Sequence[float]) -> list[int]:
    """Whole lengths, or fractions summing to 1 turned into lengths (floor, then the remainder
    spread one by one from the first split, as PyTorch does)."""
    if any(x < 0 for x in lengths):
        raise ValueError(f"lengths must be non-negative, got {list(lengths)}")
    if all(isinstance(x, (int, np.integer)) for x in lengths):
        out = [int(x) for x in lengths]
    else:
        if not math.isclose(sum(lengths), 1.0, abs_tol=1e-6):
            raise ValueError(f"fractions must sum to 1, got {list(lengths)} (sum {sum(lengths)})")
        out = [math.floor(n * f) for f in lengths]
        for i in range(n - sum(out)):
            out[i % len(out)] += 1
    if sum(out) != n:
        raise ValueError(f"lengths {out} sum to {sum(out)}, not the dataset's length {n}")
    return out


def random_split(dataset: Dataset, lengths: Sequence[float],
                 generator: Generator | None = None) -> list[Subset]:
    """Split `dataset` into non-overlapping random Subsets of the given lengths or fractions."""
    sizes = _lengths(len(dataset), lengths)
    perm = get_generator(generator).permutation(len(dataset)).tolist()
    out, start = [], 0
    for size in sizes:
        out.append(Subset(dataset, perm[start:start + size]))
        start += size
    return out
