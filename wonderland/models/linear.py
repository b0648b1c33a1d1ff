"""Logistic regression: one Linear layer on the flattened input, scored with softmax cross-entropy
by the loss (MNIST-1D's linear baseline: 40 -> 10, 410 parameters)."""
from __future__ import annotations

from ..core.tensor import Tensor
from ..nn import Linear, Module

__all__ = ["LogisticRegression"]


class LogisticRegression(Module):
    """Class scores x W^T + b for x of shape (N, *) flattened to (N, in_features)."""

    def __init__(self, in_features: int = 40, num_classes: int = 10) -> None:
        super().__init__()
        self.linear = Linear(in_features, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x.flatten(1))
