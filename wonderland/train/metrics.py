"""Metrics computed on a batch of predictions: each takes (output, target) and returns a float,
and a running mean that weights batches by their size."""
from __future__ import annotations

import numpy as np

from ..core.tensor import Tensor


def accuracy(output: Tensor, target: Tensor) -> float:
    """The fraction of rows whose largest score is at the target class."""
    scores, labels = np.asarray(output.detach()), np.asarray(target)
    if scores.ndim < 2 or scores.shape[0] != labels.shape[0]:
        raise ValueError(f"accuracy: expected scores (N, C, ...) and targets (N, ...), got "
                         f"{scores.shape} and {labels.shape}")
    return float(np.mean(scores.argmax(axis=1) == labels))


class RunningMean:
    """Size-weighted means of several named values over the batches of one pass."""

    def __init__(self) -> None:
        self.sums: dict[str, float] = {}
        self.count = 0

    def update(self, values: dict[str, float], n: int) -> None:
        for k, v in values.items():
            self.sums[k] = self.sums.get(k, 0.0) + float(v) * n
        self.count += n

    def result(self) -> dict[str, float]:
        return {k: s / self.count for k, s in self.sums.items()} if self.count else {}
