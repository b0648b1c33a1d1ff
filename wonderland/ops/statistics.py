"""Statistics by PyTorch's names: median, kthvalue, mode, quantile, nansum, nanmean, var_mean,
std_mean, cumprod, cummax, cummin, diff, dist, cdist; and the counts histc, bincount, unique.

Order statistics pick positions with a sort (or NumPy, for mode) and read the values with
gather, so their gradients follow the picked entries; counts have none. Those that read the
data with NumPy refuse to run inside vmap."""
from __future__ import annotations

import math

import numpy as np

from ..core import dtype as dt
from ..core.tensor import Tensor
from ._convert import float_only, norm_dim
from .binary import where
from .compare import isnan, logical_xor
from .creation import _place, zeros_like
from .index import gather, index_select
from .join import cat, narrow, stack
from .reduce import amax, mean, root_zero_slope_at_zero, std, values_indices, var
from .reduce import sum as sum_
from .selection import refuse_batched
from .sort import sort
from .unary import abs as abs_


def _select(x: Tensor, dim: int, position: int, keepdim: bool) -> Tensor:
    out = narrow(x, dim, position, 1)
    return out if keepdim else out.squeeze(dim)


def _order_statistic(name: str, x: Tensor, position, dim: int, keepdim: bool,
                     nan_wins: bool = False):
    """(values, indices) of the entry at `position` (a function of the size) in sorted order;
    with nan_wins, a slice holding NaN gives its first NaN instead (median's rule)."""
    if x.ndim == 0:
        return values_indices(x, x.long() * 0)
    d = norm_dim(dim, x.ndim, name)
    n = x.shape[d]
    k = position(n)
    if not 0 <= k < n:
        raise IndexError(f"{name}: position {k + 1} is out of range for dimension {d} of size {n}")
    values, indices = sort(x, d)  # stable, NaN last: the first NaN sits at n - (NaN count)
    if nan_wins and x.is_floating_point:
        nans = sum_(isnan(x).long(), d, keepdim=True)
        at = where(nans > 0, n - nans, k).detach()
        values, indices = gather(values, d, at), gather(indices, d, at)
        if not keepdim:
            values, indices = values.squeeze(d), indices.squeeze(d)
        return values_indices(values, indices)
    return values_indices(_select(values, d, k, keepdim), _select(indices, d, k, keepdim))


def median(input: Tensor, dim: int | None = None, keepdim: bool = False):  # noqa: A002
    """The lower of the two middle values (PyTorch's median; NaN where there is one); with dim,
    (values, indices)."""
    if dim is None:
        if input.numel() == 0:
            raise ValueError("median: the tensor has no elements")
        return _order_statistic("median", input.reshape(-1), lambda n: (n - 1) // 2, 0,
                                False, nan_wins=True).values
    return _order_statistic("median", input, lambda n: (n - 1) // 2, dim, keepdim,
                            nan_wins=True)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):  # noqa: A002
    """(values, indices) of the k-th smallest entry along dim (k counts from 1)."""
    return _order_statistic("kthvalue", input, lambda n: k - 1, dim, keepdim)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False):  # noqa: A002
    """(values, indices): the most frequent value along dim (the smallest on ties) and the last
    place it occurs, as PyTorch gives."""
    if input.ndim == 0:
        return values_indices(input, input.long() * 0)
    refuse_batched("mode", input)
    d = norm_dim(dim, input.ndim, "mode")
    a = np.moveaxis(input._values(), d, -1)
    rows = a.reshape(-1, a.shape[-1])
    picks = np.empty(rows.shape[0], dtype=np.int64)
    for r, row in enumerate(rows):
        values, counts = np.unique(row, return_counts=True)
        best = values[np.argmax(counts)]  # np.unique sorts: the first maximum is the smallest
        picks[r] = row.size - 1 - np.flatnonzero(row[::-1] == best)[0]
    index = np.moveaxis(picks.reshape(a.shape[:-1] + (1,)), -1, d)
    index = _place(index, input.device, False)
    values = gather(input, d, index)
    if not keepdim:
        values, index = values.squeeze(d), index.squeeze(d)
    return values_indices(values, index)


_ROUNDING = {
    "linear": None, "lower": np.floor, "higher": np.ceil,
    "nearest": np.round, "midpoint": None,
}


def quantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False,  # noqa: A002
             *, interpolation: str = "linear") -> Tensor:
    """The q-th quantiles along dim (all entries when dim is None); q is a number in [0, 1] or
    a 1-D tensor of them, whose size then leads the result's shape."""
    float_only("quantile", input)
    if interpolation not in _ROUNDING:
        raise ValueError(f"quantile: interpolation must be one of {sorted(_ROUNDING)}, "
                         f"got {interpolation!r}")
    refuse_batched("quantile", q)
    qs = np.atleast_1d(np.asarray(q._values() if isinstance(q, Tensor) else q, dtype=np.float64))
    if qs.ndim != 1 or ((qs < 0) | (qs > 1)).any():
        raise ValueError(f"quantile: q must be a number or a 1-D tensor of numbers in [0, 1], "
                         f"got {q}")
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else norm_dim(dim, x.ndim, "quantile")
    if x.ndim == 0:
        x, d = x.reshape(1), 0
    s = sort(x, d).values.movedim(d, 0)
    position = qs * (s.shape[0] - 1)
    rounding = _ROUNDING[interpolation]
    if rounding is not None:
        position = rounding(position)
    low, high = np.floor(position).astype(np.int64), np.ceil(position).astype(np.int64)
    below = index_select(s, 0, _place(low, input.device, False))
    above = index_select(s, 0, _place(high, input.device, False))
    frac = 0.5 * (low != high) if interpolation == "midpoint" else position - low
    frac = _place(frac.reshape((-1,) + (1,) * (s.ndim - 1)).astype(input.dtype.np_dtype),
                  input.device, False)
    out = below + frac * (above - below)
    has_nan = isnan(s).any(0, keepdim=True)  # PyTorch's quantile is NaN where a NaN is
    out = where(has_nan, float("nan"), out)
    if keepdim:
        out = out.unsqueeze(d + 1) if dim is not None else out.reshape((-1,) + (1,) * input.ndim)
    return out if isinstance(q, Tensor) and q.ndim > 0 else out.squeeze(0)


def nansum(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The sum with NaN entries counted as zero."""
    return sum_(where(isnan(input), 0, input) if input.is_floating_point else input, dim, keepdim)


def nanmean(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The mean of the entries that are not NaN (NaN where all of them are)."""
    float_only("nanmean", input)
    count = sum_((~isnan(input)).to(input.dtype), dim, keepdim)
    return nansum(input, dim, keepdim) / count


def _correction(correction, unbiased) -> int:
    if unbiased is not None:
        return int(bool(unbiased))
    return 1 if correction is None else correction


def var_mean(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False,  # noqa: A002
             *, correction: int | None = None) -> tuple[Tensor, Tensor]:
    """(var, mean) over dim, as torch.var_mean."""
    c = _correction(correction, unbiased)
    return var(input, dim, c, keepdim), mean(input, dim, keepdim)


def std_mean(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False,  # noqa: A002
             *, correction: int | None = None) -> tuple[Tensor, Tensor]:
    """(std, mean) over dim, as torch.std_mean."""
    c = _correction(correction, unbiased)
    return std(input, dim, c, keepdim), mean(input, dim, keepdim)


def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:  # noqa: A002
    """Running products along dim, one multiplication per step (exact with zeros, whose
    gradients a division-based rule would turn into NaN)."""
    x = input if dtype is None else input.to(dtype)
    if x.ndim == 0:
        return x
    d = norm_dim(dim, x.ndim, "cumprod")
    if x.dtype is dt.bool_ or (x.dtype.kind == 1 and x.dtype is not dt.int64):
        x = x.long()  # PyTorch accumulates integers and bools in int64
    steps = list(x.unbind(d))
    for i in range(1, len(steps)):
        steps[i] = steps[i - 1] * steps[i]
    return stack(steps, d) if steps else x


def _cumulative_extreme(name: str, input: Tensor, dim: int, beats):  # noqa: A002
    """(values, indices) of a running extreme, one step per entry along dim (tensor ops only,
    so vmap batches it): an entry that beats or ties the extreme so far, or is NaN, becomes it,
    and the index moves to the latest such place, as PyTorch's."""
    if input.ndim == 0:
        return values_indices(input, input.long() * 0)
    d = norm_dim(dim, input.ndim, name)
    steps = input.unbind(d)
    best, at = steps[0], zeros_like(steps[0], dtype=dt.int64)
    places = [at]
    for i in range(1, len(steps)):
        new = beats(steps[i], best)
        if input.is_floating_point:
            new = new | isnan(steps[i])
        best, at = where(new, steps[i], best), where(new, i, at)
        places.append(at)
    index = stack(places, d).detach() if places else input.long()
    return values_indices(gather(input, d, index), index)


def cummax(input: Tensor, dim: int):  # noqa: A002
    """(values, indices): the running maximum along dim and where it was last reached."""
    return _cumulative_extreme("cummax", input, dim, lambda a, b: a >= b)


def cummin(input: Tensor, dim: int):  # noqa: A002
    """(values, indices): the running minimum along dim and where it was last reached."""
    return _cumulative_extreme("cummin", input, dim, lambda a, b: a <= b)


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,  # noqa: A002
         append: Tensor | None = None) -> Tensor:
    """The n-th forward difference along dim (bools: exclusive or), after joining prepend and
    append to input along dim."""
    d = norm_dim(dim, input.ndim, "diff")
    x = cat([t for t in (prepend, input, append) if t is not None], d)
    for _ in range(n):
        m = x.shape[d]
        later, earlier = narrow(x, d, 1, max(m - 1, 0)), narrow(x, d, 0, max(m - 1, 0))
        x = logical_xor(later, earlier) if x.dtype is dt.bool_ else later - earlier
    return x


def _p_norm(d: Tensor, p: float, dims) -> Tensor:
    """The p-norm of d over dims (inf: the largest |d|; 0: the count of nonzeros)."""
    if p == math.inf:
        return amax(abs_(d), dims)
    if p == 0:
        return sum_((d != 0).to(d.dtype), dims)
    if p == 1:
        return sum_(abs_(d), dims)
    return root_zero_slope_at_zero(sum_(abs_(d) ** p, dims), p)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:  # noqa: A002
    """The p-norm of input - other (over every entry)."""
    d = input - other
    float_only("dist", d)
    return _p_norm(d, p, None)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, **_compute_mode) -> Tensor:
    """Pairwise p-norm distances between the rows of x1 (..., P, M) and of x2 (..., R, M):
    (..., P, R). (PyTorch's compute_mode is accepted; distances are always computed directly.)"""
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"cdist: expected x1 (..., P, M) and x2 (..., R, M) with the same M, "
                         f"got shapes {x1.shape} and {x2.shape}")
    d = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    float_only("cdist", d)
    return _p_norm(d, p, -1)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """Counts in `bins` equal bins over [min, max] (the data's range when both are 0; entries
    outside are ignored), in input's dtype."""
    float_only("histc", input)
    refuse_batched("histc", input)
    a = input._values().astype(np.float64).ravel()
    low, high = float(min), float(max)
    if low == high and a.size:
        low, high = float(a.min()), float(a.max())
    if low == high:  # one value everywhere: PyTorch widens the range by one on each side
        low, high = low - 1, high + 1
    if low > high:
        raise ValueError(f"histc: max ({high}) must be larger than min ({low})")
    counts, _ = np.histogram(a, bins=bins, range=(low, high))
    return _place(counts.astype(input.dtype.np_dtype), input.device, False)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:  # noqa: A002
    """How often each non-negative integer occurs in the 1-D input (or the sum of its weights)."""
    if input.ndim != 1 or input.dtype.kind != 1:
        raise ValueError(f"bincount: expected a 1-D integer tensor, got {input.dtype.name} "
                         f"of shape {input.shape}")
    refuse_batched("bincount", input, weights)
    a = input._values()
    if a.size and a.min() < 0:
        raise ValueError("bincount: the input must hold non-negative integers")
    w = None if weights is None else weights._values()
    out = np.bincount(a, weights=w, minlength=minlength)
    dtype = np.int64 if weights is None else (w.dtype if w.dtype.kind == "f" else np.float64)
    return _place(out.astype(dtype), input.device, False)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None):
    """The distinct values (or distinct slices along dim), sorted; with return_inverse, where
    each entry went, and with return_counts, how often each occurs."""
    refuse_batched("unique", input)
    a = input._values()
    axis = None if dim is None else norm_dim(dim, input.ndim, "unique")
    values, inverse, counts = np.unique(a, return_inverse=True, return_counts=True, axis=axis)
    out = [_place(values, input.device, False)]
    if return_inverse:
        shape = a.shape if axis is None else (a.shape[axis],)
        out.append(_place(inverse.reshape(shape).astype(np.int64), input.device, False))
    if return_counts:
        out.append(_place(counts.astype(np.int64), input.device, False))
    return out[0] if len(out) == 1 else tuple(out)

