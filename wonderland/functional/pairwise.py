"""Distances and similarities between paired rows, as torch.nn.functional has them:
pairwise_distance (the p-norm of x1 - x2 + eps along the last dimension) and cosine_similarity
(each input divided by its norm clamped to eps, PyTorch's clamp letting the gradient through
as if unclamped); and normalize, vectors divided by their p-norm along a dimension."""
from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..core.tensor import Tensor

__all__ = ["pairwise_distance", "cosine_similarity", "normalize"]


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:  # noqa: A002
    """input / max(|input|_p, eps) along dim (torch.nn.functional.normalize): unit vectors, a
    zero vector staying zero."""
    norm = input.norm(p, dim=dim, keepdim=True).clamp(min=eps)
    return input / norm


def _broadcast(name: str, x1: Tensor, x2: Tensor) -> tuple[Tensor, Tensor]:
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ValueError(f"{name}: the shapes {x1.shape} and {x2.shape} do not broadcast "
                         f"together") from None
    return x1.broadcast_to(shape), x2.broadcast_to(shape)


def _euclidean(x: Tensor, dim: int, keepdim: bool) -> Tensor:
    """sqrt(sum x^2) along dim, with a zero gradient (not NaN) where the norm is 0, as
    PyTorch's norm has it."""
    s = (x * x).sum(dim, keepdim=keepdim)
    zero = s == 0
    return ops.where(zero, 0.0, ops.where(zero, 1.0, s).sqrt())


def _p_norm(x: Tensor, p: float, dim: int, keepdim: bool) -> Tensor:
    """The p-norm along dim for p in [0, inf] (p = 0 counts the non-zero entries)."""
    if p == 2:
        return _euclidean(x, dim, keepdim)
    if p == math.inf:
        return x.abs().amax(dim, keepdim=keepdim)
    if p == 0:
        return x.abs().sign().sum(dim, keepdim=keepdim)  # stays in the graph (gradient 0)
    if p == 1:
        return x.abs().sum(dim, keepdim=keepdim)
    total = (x.abs() ** p).sum(dim, keepdim=keepdim)
    zero = total == 0  # the gradient of a zero norm is 0, as in PyTorch
    return ops.where(zero, 0.0, ops.where(zero, 1.0, total) ** (1.0 / p))


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p along the last dimension of the broadcast inputs (PyTorch adds eps
    to the difference, so equal rows are eps * D^(1/p) apart)."""
    name = "pairwise_distance"
    if p < 0:
        raise ValueError(f"{name}: p must be non-negative, got {p}")
    x1, x2 = _broadcast(name, x1, x2)
    if x1.ndim == 0:
        raise ValueError(f"{name}: expected inputs of at least 1 dimension, got scalars")
    return _p_norm(x1 - x2 + eps, p, x1.ndim - 1, keepdim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) along dim of the broadcast inputs.
    As in PyTorch the clamp changes the value only: the gradient is that of the plain norm."""
    x1, x2 = _broadcast("cosine_similarity", x1, x2)
    out = None
    for x in (x1, x2):
        norm = _euclidean(x, dim, keepdim=True)
        norm = norm + (norm.clip(min=eps) - norm).detach()
        out = x / norm if out is None else out * (x / norm)
    return out.sum(dim)
