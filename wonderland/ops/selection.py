"""Writing at and reading from chosen places, by PyTorch's names: index_add, index_fill, scatter,
scatter_reduce, masked_select, nonzero and argwhere; composites of index_put, scatter_add and
gather, so their gradients are those ops' own."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core import dtype as dt
from ..core.grad_mode import is_grad_enabled
from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ._convert import broadcast_all, lift, norm_dim
from .batching import batch_axis
from .binary import where
from .creation import _place, zeros_like
from .index import _check_index, _check_range, _grid, gather, index_put, scatter_add


def refuse_batched(name: str, *tensors) -> None:
    """Raise inside vmap for a function whose result's shape or values come from reading the
    data with NumPy (nonzero, unique, ...), which vmap cannot batch; PyTorch refuses too."""
    if any(isinstance(t, Tensor) and t._vlevel is not None for t in tensors):
        raise RuntimeError(f"{name}: the result depends on the data in a way vmap cannot "
                           f"batch; call it outside vmap, on each example")


def _along(dim: int, index: Tensor) -> tuple:
    return (slice(None),) * dim + (index,)


def _index_1d(name: str, x: Tensor, dim: int, index: Tensor) -> int:
    _check_index(name, index)
    if index.ndim > 1:
        raise ValueError(f"{name}: index must be 0-D or 1-D, got shape {index.shape}")
    d = norm_dim(dim, x.ndim, name)
    _check_range(name, index, d, x.shape[d] if x.ndim else 1)
    return d


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *,  # noqa: A002
              alpha=1) -> Tensor:
    """A copy of input with alpha * source added at the places index names along dim
    (repeated indices accumulate)."""
    d = _index_1d("index_add", input, dim, index)
    index = index.reshape(-1)
    want = input.shape[:d] + (index.shape[0],) + input.shape[d + 1:]
    if source.shape != want and not (source.ndim == 0 and input.ndim == 0):
        raise ValueError(f"index_add: source of shape {source.shape} does not fit input "
                         f"{input.shape} with {index.shape[0]} indices along dim {d} "
                         f"(expected {want})")
    return index_put(input, _along(d, index), source if alpha == 1 else alpha * source,
                     accumulate=True)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:  # noqa: A002
    """A copy of input with `value` (a number or a 0-d tensor) in every place that index names
    along dim."""
    d = _index_1d("index_fill", input, dim, index)
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ValueError(f"index_fill: value must be a number or a 0-d tensor, got shape "
                         f"{value.shape}")
    return index_put(input, _along(d, index.reshape(-1)), value)


def _scatter_args(name: str, x: Tensor, dim: int, index: Tensor, src):
    """dim in range; src (a tensor or a number) cut or broadcast to index's shape."""
    _check_index(name, index)
    d = norm_dim(dim, x.ndim, name)
    if index.ndim != x.ndim:
        raise ValueError(f"{name}: index has {index.ndim} dimensions, input has {x.ndim}")
    for a in range(x.ndim):
        if a != d and index.shape[a] > x.shape[a]:
            raise ValueError(f"{name}: index shape {index.shape} exceeds input shape {x.shape} "
                             f"in dimension {a}")
    _check_range(name, index, d, x.shape[d] if x.ndim else 1)
    if not isinstance(src, Tensor):
        return d, lift(src, x).broadcast_to(index.shape)
    if src.ndim != index.ndim or any(i > s for i, s in zip(index.shape, src.shape)):
        raise ValueError(f"{name}: index shape {index.shape} exceeds src shape {src.shape}")
    if src.shape != index.shape:
        src = src[tuple(slice(0, n) for n in index.shape)]
    return d, src.to(x.dtype)


def _key(x: Tensor, d: int, index: Tensor) -> tuple:
    return tuple(k if isinstance(k, Tensor) else _place(k, x.device, False)
                 for k in _grid(index.shape, d, index, np))


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None,  # noqa: A002
            reduce: str | None = None) -> Tensor:
    """A copy of input with src[i][j] written at [i][index[i][j]] (for dim=1, and alike), or the
    number `value` there; with a repeated index one of the writes wins, as in PyTorch.
    reduce='add' or 'multiply' combines instead (scatter_reduce's 'sum' and 'prod')."""
    if (src is None) == (value is None):
        raise TypeError("scatter: give exactly one of src and value")
    src = value if src is None else src
    if reduce is not None:
        modes = {"add": "sum", "multiply": "prod"}
        if reduce not in modes:
            raise ValueError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
        return scatter_reduce(input, dim, index, src, modes[reduce])
    d, src = _scatter_args("scatter", input, dim, index, src)
    return index_put(input, _key(input, d, index), src)


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")
_UFUNCS = {"amax": "maximum", "amin": "minimum", "prod": "multiply"}


@dataclass(frozen=True)
class ScatterReduce(Primitive):
    """y = x, then y[i][index[i][j]] = y[...] (max | min | *) src[i][j] along `dim`; no
    derivative of its own (scatter_reduce builds the gradient from ScatterAdd and Gather)"""

    dim: int
    reduce: str
    differentiable = False
    batch = batch_axis

    def forward(self, xp, x, index, src):
        out = x.copy()
        getattr(xp, _UFUNCS[self.reduce]).at(out, _grid(index.shape, self.dim, index, xp), src)
        return out


def _identity(reduce: str, dtype: dt.DType):
    """The value a reduction starts from when input's own entries are left out."""
    if reduce == "prod":
        return 1
    if np.issubdtype(dtype.np_dtype, np.integer):
        info = np.iinfo(dtype.np_dtype)
        return int(info.min if reduce == "amax" else info.max)
    return -np.inf if reduce == "amax" else np.inf


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src, reduce: str, *,  # noqa: A002
                   include_self: bool = True) -> Tensor:
    """Combine src into input at the places index names along dim with 'sum', 'prod', 'mean',
    'amax' or 'amin'; include_self=False leaves input's own values out wherever it is written.
    Gradients as PyTorch's: amax and amin share the slope evenly among tied entries; 'prod'
    has no gradient here."""
    if reduce not in _REDUCTIONS:
        raise ValueError(f"scatter_reduce: reduce must be one of {_REDUCTIONS}, got {reduce!r}")
    d, src = _scatter_args("scatter_reduce", input, dim, index, src)
    hits = scatter_add(zeros_like(input, dtype=dt.int64), d, index,
                       zeros_like(index) + 1)  # how many entries of src land on each place
    hit = hits > 0
    if reduce in ("sum", "mean"):
        base = input if include_self else where(hit, 0, input)
        total = scatter_add(base, d, index, src)
        if reduce == "sum":
            return total
        count = where(hit, hits + int(include_self), 1).to(input.dtype)
        return total / count if input.is_floating_point else total.div(count, rounding_mode="floor")
    if reduce == "prod" and is_grad_enabled() and (input.requires_grad or src.requires_grad):
        raise NotImplementedError("scatter_reduce: reduce='prod' has no gradient here; use "
                                  "'sum' of logarithms, or compute it under wl.no_grad()")
    base = input if include_self else where(hit, _identity(reduce, input.dtype), input)
    out = ScatterReduce(d, reduce)(base.detach(), index, src.detach())
    if reduce == "prod" or not input.is_floating_point:
        return out
    # so the gradient is shared among ties as PyTorch shares it: the mean of the entries equal
    # to each extreme, which is the extreme itself
    own = (input == out) & (~hit | include_self)
    theirs = src == gather(out, d, index)
    count = scatter_add(own.to(input.dtype), d, index, theirs.to(input.dtype))
    total = scatter_add(where(own, input, 0), d, index, where(theirs, src, 0))
    return total / count


def masked_select(input: Tensor, mask: Tensor) -> Tensor:  # noqa: A002
    """The entries of input where mask is true, as a 1-D tensor (mask broadcasts with input)."""
    if not isinstance(mask, Tensor) or mask.dtype is not dt.bool_:
        raise TypeError("masked_select: mask must be a bool tensor")
    refuse_batched("masked_select", input, mask)
    x, mask = broadcast_all("masked_select", input, mask)
    return x[mask]


def nonzero(input: Tensor, *, as_tuple: bool = False):  # noqa: A002
    """The indices of the nonzero entries: an (n, ndim) int64 tensor, or with as_tuple one 1-D
    tensor per dimension."""
    refuse_batched("nonzero", input)
    a = input._values()
    if as_tuple:
        return tuple(_place(i.astype(np.int64), input.device, False)
                     for i in np.nonzero(np.atleast_1d(a)))
    return _place(np.argwhere(a).astype(np.int64), input.device, False)


def argwhere(input: Tensor) -> Tensor:  # noqa: A002
    """The indices of the nonzero entries as an (n, ndim) int64 tensor."""
    return nonzero(input)
