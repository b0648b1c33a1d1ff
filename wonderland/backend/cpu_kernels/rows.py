"""Row-wise fused primitives, row by row (numba): Standardize and StandardizeGrad over trailing
axes (layer, group and instance norm) or over all but the channels of a channels-first array
(batch norm after a convolution), MaskedSoftmax without a mask (plain or causal) and
SoftmaxGrad over the last axis.

The NumPy forwards in ops/norm.py and ops/attention.py make six to ten passes over the whole
array; here each row (a few hundred floats, in L1) is read a handful of times while it is in
cache. The arithmetic is the forwards': the same statistics, the same guards for infinite
maxima and empty rows, summed in another order; float16 in float32, as the forwards."""
from __future__ import annotations

import math

import numpy as np

from ...ops.attention import MaskedSoftmax, SoftmaxGrad
from ...ops.norm import Standardize, StandardizeGrad
from ...ops.precision import float32_kernel
from ..kernels import register_kernel
from ._numba import KERNEL_MIN_SIZE, contiguous_alike, njit
from .fast_math import exp32

# reassociation lets the row sums run in vector lanes; no nnan/ninf, so NaN and inf still count
_FLAGS = {"contract", "reassoc", "nsz"}


# Sums run in vector lanes of the row's dtype over blocks this long, and the blocks' sums add
# up in float64: a batch norm's rows (a channel over the batch, 10^5 values) would otherwise
# lose about log2(n / lanes) bits, twice the NumPy forward's pairwise error.
_BLOCK = 256


@njit(inline="always", fastmath=_FLAGS, error_model="numpy")
def _sum(x, shift, square):
    """sum of (x[j] - shift), or of its square, blocked as above."""
    kind = x.dtype.type
    total = 0.0
    for start in range(0, x.size, _BLOCK):
        part = kind(0)
        for j in range(start, min(start + _BLOCK, x.size)):
            d = x[j] - shift
            part += d * d if square else d
        total += part
    return total


@njit(inline="always", fastmath=_FLAGS, error_model="numpy")
def _mean_and_rstd(x, eps):
    """A row's mean and 1 / sqrt(biased variance + eps), in the row's own precision. The mean
    is corrected by the mean of x - mean (as the NumPy forward's), which makes a constant row's
    mean exactly its value, so it standardises to 0 however large the value."""
    kind = x.dtype.type
    n = x.size
    mean = kind(_sum(x, kind(0), False) / n)
    mean += kind(_sum(x, mean, False) / n)
    return mean, kind(1) / math.sqrt(kind(_sum(x, mean, True) / n) + eps)


@njit(fastmath=_FLAGS, error_model="numpy")
def _standardize(x, eps, out):
    for i in range(x.shape[0]):
        mean, rstd = _mean_and_rstd(x[i], eps)
        for j in range(x.shape[1]):
            out[i, j] = (x[i, j] - mean) * rstd


@njit(fastmath=_FLAGS, error_model="numpy")
def _standardize_grad(g, y, x, eps, out):
    kind = x.dtype.type
    for i in range(x.shape[0]):
        _, rstd = _mean_and_rstd(x[i], eps)
        sum_g = sum_gy = 0.0
        for start in range(0, x.shape[1], _BLOCK):
            part_g = part_gy = kind(0)
            for j in range(start, min(start + _BLOCK, x.shape[1])):
                part_g += g[i, j]
                part_gy += g[i, j] * y[i, j]
            sum_g += part_g
            sum_gy += part_gy
        mean_g, mean_gy = kind(sum_g / x.shape[1]), kind(sum_gy / x.shape[1])
        for j in range(x.shape[1]):
            out[i, j] = (g[i, j] - y[i, j] * mean_gy - mean_g) * rstd


def _trailing_rows(axes, shape):
    """(rows, row length) when axes are the trailing ones of shape, else None."""
    k = len(axes)
    if k == 0 or tuple(axes) != tuple(range(len(shape) - k, len(shape))):
        return None
    return math.prod(shape[:-k]), math.prod(shape[-k:])


def _as_rows(axes, arrays, dtypes=(np.float32, np.float64)):
    """(2-D arrays whose rows are the groups the axes reduce over, a function taking such rows
    back to the arrays' shape), or None: the trailing axes (layer, group, instance norm), or
    every axis but the second (batch norm), whose rows are channels: a convolution's output is
    laid out (C, N, *spatial) in memory, so they are contiguous there. An array laid out
    otherwise is copied, one pass, cheaper than the NumPy forward's several."""
    first = arrays[0]
    shape = first.shape
    if (first.size < KERNEL_MIN_SIZE or first.dtype not in dtypes
            or any(a.dtype != first.dtype or a.shape != shape for a in arrays)):
        return None
    rows = _trailing_rows(axes, shape)
    if rows is not None and rows[1]:
        return [np.ascontiguousarray(a).reshape(rows) for a in arrays], lambda r: r.reshape(shape)
    if len(shape) < 2 or tuple(axes) != (0, *range(2, len(shape))) or not shape[1]:
        return None
    swapped = (shape[1], shape[0]) + shape[2:]
    rows = (shape[1], first.size // shape[1])
    return ([np.ascontiguousarray(a.swapaxes(0, 1)).reshape(rows) for a in arrays],
            lambda r: r.reshape(swapped).swapaxes(0, 1))


@float32_kernel  # as the forward: float16 rows in float32, rounded once
def standardize(prim: Standardize, x):
    rows = _as_rows(prim.axes, (x,))
    if rows is None:
        return NotImplemented
    (x,), back = rows
    out = np.empty_like(x)
    _standardize(x, x.dtype.type(prim.eps), out)
    return back(out)


@float32_kernel
def standardize_grad(prim: StandardizeGrad, g, y, x):
    rows = _as_rows(prim.axes, (g, y, x))
    if rows is None:
        return NotImplemented
    (g, y, x), back = rows
    out = np.empty_like(x)
    _standardize_grad(g, y, x, x.dtype.type(prim.eps), out)
    return back(out)


@njit(fastmath=_FLAGS, error_model="numpy")
def _softmax(x, scale, causal_rows, out):
    """Rows of x (rows, S); with causal_rows = L > 0, row i keeps columns <= i mod L."""
    width = x.shape[1]
    for i in range(x.shape[0]):
        kept = min(i % causal_rows + 1, width) if causal_rows > 0 else width
        top = np.float32(-np.inf)
        for j in range(kept):
            s = x[i, j] * scale
            top = s if s > top else top
        top = top if abs(top) != np.inf else np.float32(0)  # as the forward: inf maxima -> 0
        total = np.float32(0)
        for j in range(kept):
            e = exp32(x[i, j] * scale - top)
            out[i, j] = e
            total += e
        total = total if total != 0 else np.float32(1)  # an empty row gives zeros
        inverse = np.float32(1) / total
        for j in range(kept):
            out[i, j] *= inverse
        left_out = np.float32(0) if total == total else total  # a NaN poisons the whole row
        for j in range(kept, width):
            out[i, j] = left_out


@njit(fastmath=_FLAGS, error_model="numpy")
def _softmax_grad(g, y, scale, out):
    for i in range(g.shape[0]):
        total = g.dtype.type(0)
        for j in range(g.shape[1]):
            total += g[i, j] * y[i, j]
        for j in range(g.shape[1]):
            out[i, j] = (g[i, j] - total) * y[i, j] * scale


@float32_kernel
def masked_softmax(prim: MaskedSoftmax, x, mask=None):
    if (mask is not None or x.ndim < 2 or x.shape[-1] == 0
            or not contiguous_alike((x,), (np.float32,))):
        return NotImplemented
    rows = (x.size // x.shape[-1], x.shape[-1])
    out = np.empty_like(x)
    causal_rows = x.shape[-2] if prim.causal else 0
    _softmax(x.reshape(rows), np.float32(prim.scale), causal_rows, out.reshape(rows))
    return out


@float32_kernel
def softmax_grad(prim: SoftmaxGrad, g, y):
    if g.ndim < 1 or g.shape[-1] == 0 or not contiguous_alike((g, y), (np.float32, np.float64)):
        return NotImplemented
    rows = (g.size // g.shape[-1], g.shape[-1])
    out = np.empty_like(g)
    _softmax_grad(g.reshape(rows), y.reshape(rows), g.dtype.type(prim.scale), out.reshape(rows))
    return out


register_kernel("cpu", Standardize, standardize)
register_kernel("cpu", StandardizeGrad, standardize_grad)
register_kernel("cpu", MaskedSoftmax, masked_softmax)
register_kernel("cpu", SoftmaxGrad, softmax_grad)
