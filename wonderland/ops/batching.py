"""Batching rules shared by families of primitives (vmap). A rule gets the physical inputs and
where their batch dimension is (None: unbatched) and returns (output, its batch dimension)."""
from __future__ import annotations

import dataclasses

import numpy as np

from ..core.tensor import Tensor


def batch_size(xs, bdims) -> int:
    return next(x.shape[d] for x, d in zip(xs, bdims) if d is not None)


def to_front(x: Tensor, bdim: int | None, size: int) -> Tensor:
    """x with its batch dimension first; an unbatched x is broadcast (a view, no copy)."""
    from .shape import broadcast_to, movedim

    if bdim is None:
        return broadcast_to(x, (size,) + x.shape)
    return x if bdim == 0 else movedim(x, bdim, 0)


def to_position(x: Tensor, bdim: int | None, size: int, position: int) -> Tensor:
    """x with its batch dimension at `position`."""
    from .shape import movedim

    x = to_front(x, bdim, size)
    return x if position == 0 else movedim(x, 0, position)


def all_to_front(xs, bdims) -> list[Tensor]:
    n = batch_size(xs, bdims)
    return [to_front(x, d, n) for x, d in zip(xs, bdims)]


def batch_unary(prim, xs, bdims):
    """An elementwise function of one tensor does not care where the batch dimension is."""
    return prim(xs[0]), bdims[0]


def batch_elementwise(prim, xs, bdims):
    """Elementwise over same-shape inputs: align the batch dimensions, then apply."""
    if all(d == bdims[0] for d in bdims):
        return prim(*xs), bdims[0]
    return prim(*all_to_front(xs, bdims)), 0


def batch_leading(prim, xs, bdims):
    """For primitives whose leading dimensions are batch-like (matmul): batch first, everywhere."""
    return prim(*all_to_front(xs, bdims)), 0


def batch_axes(prim, xs, bdims):
    """For primitives with an `axes` field (reductions): batch first, axes shifted by one."""
    x = to_front(xs[0], bdims[0], batch_size(xs, bdims))
    return dataclasses.replace(prim, axes=tuple(a + 1 for a in prim.axes))(x), 0


def batch_axis(prim, xs, bdims):
    """For primitives with one `axis` (or `dim`) field: batch first, that axis shifted by one."""
    field = "axis" if hasattr(prim, "axis") else "dim"
    moved = all_to_front(xs, bdims)
    return dataclasses.replace(prim, **{field: getattr(prim, field) + 1})(*moved), 0


def advanced_position(key: tuple) -> int:
    """Where NumPy puts the first dimension of x[(slice(None),) + key]: 0, unless the key's
    advanced indices (arrays, and ints next to arrays) are split apart, in which case their
    broadcast dimensions come first."""
    arrays = [k for k in key if isinstance(k, np.ndarray)]
    if not arrays:
        return 0
    spots = [i for i, k in enumerate(key) if isinstance(k, (np.ndarray, int))]
    if spots[-1] - spots[0] + 1 == len(spots):
        return 0
    return len(np.broadcast_shapes(*(a.shape for a in arrays)))
