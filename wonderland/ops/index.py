"""Indexing: x[key] with every kind of key, and gather / scatter_add / index_put.

Getitem and IndexAdd are each other's vjp: reading x[key] sends the cotangent back by adding it
into zeros at key (repeated indices accumulate), and adding at key reads back with x[key]."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core import dtype as dt
from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ._convert import broadcast_shape, lift, norm_dim
from .batching import advanced_position, batch_axis, batch_size, to_front, to_position
from .keys import normalize_key, torch_order


def _is_basic(key: tuple) -> bool:
    return not any(isinstance(k, np.ndarray) for k in key)


@dataclass(frozen=True, eq=False)
class Getitem(Primitive):
    """y = x[key] (ints, slices, None, Ellipsis, integer arrays);  vjp adds g into zeros at key"""

    key: tuple

    def forward(self, xp, x):
        return x[self.key]

    def vjp(self, g, y, x):
        return (IndexAdd(self.key, x.shape)(g),)

    def jvp(self, t, y, x):
        return Getitem(self.key)(t[0])

    def batch(self, xs, bdims):
        x = to_front(xs[0], bdims[0], batch_size(xs, bdims))
        return Getitem((slice(None),) + self.key)(x), advanced_position(self.key)


@dataclass(frozen=True, eq=False)
class IndexAdd(Primitive):
    """y = zeros(shape) with g added at key (repeats accumulate);  vjp reads g[key]"""

    key: tuple
    shape: tuple[int, ...]

    def forward(self, xp, g):
        out = xp.zeros(self.shape, dtype=g.dtype)
        if _is_basic(self.key):
            out[self.key] = g  # a basic key never names an element twice
        else:
            xp.add.at(out, self.key, g)
        return out

    def vjp(self, g, y, v):
        return (Getitem(self.key)(g),)

    def jvp(self, t, y, v):
        return IndexAdd(self.key, self.shape)(t[0])

    def batch(self, xs, bdims):
        n = batch_size(xs, bdims)
        g = to_position(xs[0], bdims[0], n, advanced_position(self.key))
        return IndexAdd((slice(None),) + self.key, (n,) + self.shape)(g), 0


@dataclass(frozen=True, eq=False)
class IndexPut(Primitive):
    """y = x with y[key] = v;  dx = dx with zeros at key, plus dv placed at key"""

    key: tuple

    def forward(self, xp, x, v):
        out = x.copy()
        out[self.key] = v
        return out

    def vjp(self, g, y, x, v):
        from .creation import zeros_like

        gx = IndexPut(self.key)(g, zeros_like(v)) if x.requires_grad else None
        return gx, (Getitem(self.key)(g) if v.requires_grad else None)

    def jvp(self, t, y, x, v):
        return IndexPut(self.key)(t[0], t[1])

    def batch(self, xs, bdims):
        n = batch_size(xs, bdims)
        x = to_front(xs[0], bdims[0], n)
        v = to_position(xs[1], bdims[1], n, advanced_position(self.key))
        return IndexPut((slice(None),) + self.key)(x, v), 0


def _grid(index_shape: tuple[int, ...], dim: int, index, xp) -> tuple:
    """The full advanced key that pairs `index` along dim with every position elsewhere."""
    key = []
    for a, n in enumerate(index_shape):
        if a == dim:
            key.append(index)
        else:
            shape = [1] * len(index_shape)
            shape[a] = n
            key.append(xp.arange(n).reshape(shape))
    return tuple(key)


@dataclass(frozen=True)
class Gather(Primitive):
    """y[i][j] = x[i][index[i][j]] along `dim` (torch.gather);  vjp scatter-adds g at index"""

    batch = batch_axis

    dim: int

    def forward(self, xp, x, index):
        return xp.take_along_axis(x, index, axis=self.dim)

    def vjp(self, g, y, x, index):
        from .creation import zeros_like

        return ScatterAdd(self.dim)(zeros_like(x), index, g), None  # zeros, not x * 0: inf * 0

    def jvp(self, t, y, x, index):
        return Gather(self.dim)(t[0], index)


@dataclass(frozen=True)
class ScatterAdd(Primitive):
    """y = x, then y[i][index[i][j]] += src[i][j] along `dim`;  dx = g, dsrc = gather(g)"""

    batch = batch_axis

    dim: int

    def forward(self, xp, x, index, src):
        out = x.copy()
        xp.add.at(out, _grid(index.shape, self.dim, index, xp), src)
        return out

    def vjp(self, g, y, x, index, src):
        return g, None, (gather(g, self.dim, index) if src.requires_grad else None)

    def jvp(self, t, y, x, index, src):
        return ScatterAdd(self.dim)(t[0], index, t[2])


def getitem(x: Tensor, key) -> Tensor:
    """x[key] with PyTorch's rules: basic indexing, integer arrays, boolean masks (ints select
    before the arrays index, so x[0, :, idx] has the shape of x[0][:, idx])."""
    key = normalize_key(key, x.shape)
    y = Getitem(key)(x)
    order = torch_order(key, x.ndim)
    if order is not None:
        b, p = order
        y = y.movedim(tuple(range(b)), tuple(range(p, p + b)))
    return y


def index_put(x: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """A copy of x with x[indices] = values (or += with accumulate), out of place."""
    key = normalize_key(tuple(indices) if isinstance(indices, (list, tuple)) else indices,
                        x.shape)
    values = lift(values, x)
    target = np.empty(x.shape, dtype=np.bool_)[key].shape  # NumPy's layout of x[key]
    order = torch_order(key, x.ndim)
    if order is not None:  # values come in PyTorch's layout (see getitem)
        b, p = order
        values = values.broadcast_to(target[b:p + b] + target[:b] + target[p + b:])
        values = values.movedim(tuple(range(p, p + b)), tuple(range(b)))
    values = values.to(x.dtype)
    if values.shape != target:
        values = values.broadcast_to(target)
    if accumulate:
        return x + IndexAdd(key, x.shape)(values)
    return IndexPut(key)(x, values)


def _check_index(name: str, index: Tensor) -> None:
    if not isinstance(index, Tensor) or index.dtype is not dt.int64:
        got = index.dtype.name if isinstance(index, Tensor) else type(index).__name__
        raise TypeError(f"{name}: index must be an int64 tensor, got {got}")


def _check_range(name: str, index: Tensor, dim: int, n: int) -> None:
    values = index._values()
    if values.size:
        lo, hi = int(values.min()), int(values.max())
        if lo < 0 or hi >= n:
            raise IndexError(f"{name}: index {hi if hi >= n else lo} is out of range for "
                             f"dimension {dim} with size {n} (expected 0 <= index < {n})")


def gather(x: Tensor, dim: int, index: Tensor) -> Tensor:
    """out[i][j][k] = x[i][index[i][j][k]][k] for dim=1, and likewise for other dims."""
    _check_index("gather", index)
    d = norm_dim(dim, x.ndim, "gather")
    if index.ndim != x.ndim:
        raise ValueError(f"gather: index has {index.ndim} dimensions, input has {x.ndim}")
    for a in range(x.ndim):
        if a != d and index.shape[a] > x.shape[a]:
            raise ValueError(f"gather: index shape {index.shape} exceeds input shape {x.shape} "
                             f"in dimension {a}")
    _check_range("gather", index, d, x.shape[d])
    if any(index.shape[a] < x.shape[a] for a in range(x.ndim) if a != d):
        x = x[tuple(slice(None) if a == d else slice(0, index.shape[a]) for a in range(x.ndim))]
    return Gather(d)(x, index)


def take_along_dim(x: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """torch.take_along_dim: gather along dim after broadcasting the other dims of x and
    indices against each other; dim=None gathers from the flattened x."""
    _check_index("take_along_dim", indices)
    if dim is None:
        return gather(x.reshape(-1), 0, indices.reshape(-1))
    d = norm_dim(dim, x.ndim, "take_along_dim")
    if indices.ndim != x.ndim:
        raise ValueError(f"take_along_dim: indices have {indices.ndim} dimensions, input has "
                         f"{x.ndim}")
    before, after = (x.shape[:d], indices.shape[:d]), (x.shape[d + 1:], indices.shape[d + 1:])
    lead = broadcast_shape("take_along_dim", *before)
    trail = broadcast_shape("take_along_dim", *after)
    x = x.broadcast_to(lead + (x.shape[d],) + trail)
    indices = indices.broadcast_to(lead + (indices.shape[d],) + trail)
    return gather(x, d, indices)


def scatter_add(x: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of x with src added at the positions index names along dim (repeats accumulate)."""
    _check_index("scatter_add", index)
    d = norm_dim(dim, x.ndim, "scatter_add")
    if not (index.ndim == x.ndim == src.ndim):
        raise ValueError(f"scatter_add: input {x.shape}, index {index.shape} and src "
                         f"{src.shape} must have the same number of dimensions")
    for a in range(x.ndim):
        if index.shape[a] > src.shape[a] or (a != d and index.shape[a] > x.shape[a]):
            raise ValueError(f"scatter_add: index shape {index.shape} exceeds src {src.shape} "
                             f"or input {x.shape} in dimension {a}")
    _check_range("scatter_add", index, d, x.shape[d])
    if src.shape != index.shape:
        src = src[tuple(slice(0, n) for n in index.shape)]
    src = src.to(x.dtype)
    return ScatterAdd(d)(x, index, src)


def index_select(x: Tensor, dim: int, index: Tensor) -> Tensor:
    if index.ndim != 1:
        raise ValueError(f"index_select: index must be 1-D, got shape {index.shape}")
    d = norm_dim(dim, x.ndim, "index_select")
    return x[(slice(None),) * d + (index,)]


def masked_fill(x: Tensor, mask: Tensor, value) -> Tensor:
    """x with `value` wherever mask is true (mask broadcasts against x)."""
    from .binary import where

    if mask.dtype is not dt.bool_:
        raise TypeError(f"masked_fill: mask must be bool, got {mask.dtype.name}")
    return where(mask, lift(value, x) if not isinstance(value, Tensor) else value.to(x.dtype), x)


def one_hot(index: Tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor with a trailing dimension of size num_classes, 1 at each index."""
    _check_index("one_hot", index)
    from .creation import arange

    values = index._values()
    top = int(values.max()) if values.size else -1
    if values.size and int(values.min()) < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {int(values.min())}")
    if num_classes < 0:
        num_classes = top + 1
    elif top >= num_classes:
        raise ValueError(f"one_hot: class value {top} is not smaller than num_classes "
                         f"{num_classes}")
    return (index.unsqueeze(-1) == arange(num_classes, device=index.device)).to(dt.int64)


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dimensions (elements above `diagonal` set to 0)."""
    return _triangle(x, np.tri(x.shape[-2], x.shape[-1], diagonal, dtype=np.bool_), "tril")


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dimensions (elements below `diagonal` set to 0)."""
    return _triangle(x, ~np.tri(x.shape[-2], x.shape[-1], diagonal - 1, dtype=np.bool_), "triu")


def _triangle(x: Tensor, keep: np.ndarray, name: str) -> Tensor:
    if x.ndim < 2:
        raise ValueError(f"{name}: expects at least 2 dimensions, got shape {x.shape}")
    from .binary import where

    mask = Tensor._make(x.device.backend.from_numpy(keep), x.device)
    return where(mask, x, False if x.dtype is dt.bool_ else 0)  # keep x's dtype
