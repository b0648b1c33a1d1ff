"""Dropout and Dropout2d: random zeroing while training (scaled by 1 / (1 - p)), the identity in
eval mode."""
# ruff: noqa: A002  (PyTorch's argument name `input`)
from __future__ import annotations

from ...core.random import Generator
from ...core.tensor import Tensor
from ...functional.linear import dropout, dropout2d
from ..module import Module

__all__ = ["Dropout", "Dropout2d"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False,
                 generator: Generator | None = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: dropout probability has to be between 0 "
                             f"and 1, but got {p}")
        self.p, self.inplace, self.generator = p, inplace, generator

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each entry with probability p while training, scaling the rest by 1 / (1 - p).
    `generator` (a wonderland extra) makes the masks reproducible on their own stream."""

    def forward(self, input: Tensor) -> Tensor:
        return dropout(input, self.p, self.training, self.inplace, self.generator)


class Dropout2d(_DropoutNd):
    """Zero whole channels of an (N, C, H, W) input with probability p while training, scaling
    the rest by 1 / (1 - p). Other ranks warn and drop as PyTorch's (see
    functional.dropout2d): 3-D input is read as (N, C, L), 2-D input is dropped elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        return dropout2d(input, self.p, self.training, self.inplace, self.generator)
