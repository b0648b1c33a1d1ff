"""Sorting: the ArgSort primitive (a permutation has no derivative) and sort / topk built on it,
whose values are gathered so that the gradient flows back to the elements they came from."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ._convert import norm_dim
from .batching import batch_axis
from .reduce import values_indices


@dataclass(frozen=True)
class ArgSort(Primitive):
    """y = the indices that sort x along `axis` (stable: ties keep their order)"""

    axis: int
    descending: bool = False
    differentiable = False
    batch = batch_axis

    def forward(self, xp, x):
        if self.descending:  # stable descending order: sort the negated keys (or flipped bools)
            keys = ~x if x.dtype.kind == "b" else -x
            return xp.argsort(keys, axis=self.axis, kind="stable").astype("int64")
        return xp.argsort(x, axis=self.axis, kind="stable").astype("int64")


def argsort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = True) -> Tensor:
    """Indices that sort x along dim (always stable)."""
    if x.ndim == 0:
        return x.long() * 0
    return ArgSort(norm_dim(dim, x.ndim, "argsort"), descending)(x)


def sort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = True):
    """(values, indices) of x sorted along dim; d values / d x follows the permutation."""
    from .index import gather

    if x.ndim == 0:
        return values_indices(x, x.long() * 0)
    indices = argsort(x, dim, descending)
    return values_indices(gather(x, norm_dim(dim, x.ndim, "sort"), indices), indices)


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """(values, indices) of the k largest (or smallest) entries along dim, in sorted order."""
    from .join import narrow

    d = norm_dim(dim, x.ndim, "topk")
    if not 0 <= k <= x.shape[d]:
        raise ValueError(f"topk: k={k} is out of range for dimension {d} of size {x.shape[d]}")
    values, indices = sort(x, d, descending=largest)
    return values_indices(narrow(values, d, 0, k), narrow(indices, d, 0, k))
