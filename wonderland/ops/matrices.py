"""Building and reading matrices and grids, by PyTorch's names: diag, trace, kron, meshgrid,
hstack, vstack, ravel (composites of indexing, reshapes and cat)."""
from __future__ import annotations

import numpy as np

from ..core.tensor import Tensor
from .creation import _place, zeros
from .index import index_put
from .join import cat


def _diagonal_places(n_rows: int, n_cols: int, k: int, device) -> tuple[Tensor, Tensor]:
    """Row and column indices of the k-th diagonal of an n_rows x n_cols matrix."""
    rows = np.arange(max(0, -k), min(n_rows, n_cols - k) if n_cols - k > 0 else 0)
    return _place(rows, device, False), _place(rows + k, device, False)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """1-D input: a square matrix with input on its `diagonal`-th diagonal (above the main one
    for positive values); 2-D input: that diagonal as a 1-D tensor."""
    if input.ndim == 1:
        n = input.shape[0] + abs(diagonal)
        rows, cols = _diagonal_places(n, n, diagonal, input.device)
        return index_put(zeros(n, n, dtype=input.dtype, device=input.device), (rows, cols), input)
    if input.ndim == 2:
        rows, cols = _diagonal_places(*input.shape, diagonal, input.device)
        return input[rows, cols]
    raise ValueError(f"diag: expected a 1-D or 2-D tensor, got shape {input.shape}")


def trace(input: Tensor) -> Tensor:  # noqa: A002
    """The sum of a matrix's main diagonal (integers sum in int64, as PyTorch's)."""
    if input.ndim != 2:
        raise ValueError(f"trace: expected a matrix, got shape {input.shape}")
    d = diag(input)
    return d.sum() if d.is_floating_point else d.long().sum()


def kron(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The Kronecker product: block (i, j, ...) is input[i, j, ...] * other."""
    n = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (n - input.ndim) + input.shape)
    b = other.reshape((1,) * (n - other.ndim) + other.shape)
    spread_a = tuple(s for size in a.shape for s in (size, 1))
    spread_b = tuple(s for size in b.shape for s in (1, size))
    out = a.reshape(spread_a) * b.reshape(spread_b)
    return out.reshape(tuple(p * q for p, q in zip(a.shape, b.shape)))


def meshgrid(*tensors, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors: with 'ij' output k varies along dim k; with 'xy' the
    first two dims are swapped (Cartesian, as NumPy's default). PyTorch's default is 'ij'."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if any(t.ndim > 1 for t in tensors):
        raise ValueError(f"meshgrid: expected 0-D or 1-D tensors, got shapes "
                         f"{[t.shape for t in tensors]}")
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        order[0], order[1] = 1, 0  # tensor 0 varies along dim 1, tensor 1 along dim 0
    sizes = [t.numel() for t in tensors]
    shape = [0] * len(tensors)
    for i, place in enumerate(order):
        shape[place] = sizes[i]
    out = []
    for i, t in enumerate(tensors):
        view = [1] * len(tensors)
        view[order[i]] = sizes[i]
        out.append(t.reshape(view).expand(tuple(shape)))
    return tuple(out)


def hstack(tensors) -> Tensor:
    """Join horizontally: along dim 1, or dim 0 when the tensors are 1-D (0-d become 1-D)."""
    ts = [t.reshape(1) if t.ndim == 0 else t for t in tensors]
    return cat(ts, 0 if all(t.ndim == 1 for t in ts) else 1)


def vstack(tensors) -> Tensor:
    """Join vertically, along dim 0, after making each tensor at least 2-D (1-D: one row)."""
    return cat([t.reshape(1, -1) if t.ndim < 2 else t for t in tensors], 0)


row_stack = vstack


def ravel(input: Tensor) -> Tensor:  # noqa: A002
    """The entries as a 1-D tensor."""
    return input.reshape(-1)
