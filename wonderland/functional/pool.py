"""Pooling and resampling: max/avg pooling over strided windows (max pooling over disjoint
blocks, the common case, by the BlockMax primitives of ops/pool.py), adaptive average pooling
and linear interpolation as matrix products, adaptive max pooling over gathered windows,
nearest upsampling as index selection. Everything works in 1, 2 and 3 spatial dimensions."""
from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..core import dtype as dt
from ..core.tensor import Tensor
from ..ops.pool import BlockMax
from .conv import check_input, ntuple, windows

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d", "interpolate",
           "upsample"]

Size = int | tuple[int, ...]


def _pool_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool, name: str) -> int:
    """PyTorch's output length: floor (or ceil) of the window count; with ceil_mode the last
    window must start inside the input or its left padding."""
    span = d * (k - 1) + 1
    if span > n + 2 * p:
        raise ValueError(f"{name}: the kernel {k} with dilation {d} spans {span}, more than the "
                         f"padded input's size {n + 2 * p} (size {n}, padding {p})")
    out = (n + 2 * p - span + (s - 1 if ceil_mode else 0)) // s + 1
    return out - 1 if ceil_mode and (out - 1) * s >= n + p else out


def _pooled_windows(x: Tensor, nd: int, kernel_size, stride, padding, dilation, ceil_mode,
                    fill: float, name: str):
    """x padded with `fill` as far as the windows reach, its (N, C, *out, *kernel) windows and
    the geometry (kernel, stride, padding, dilation, out)."""
    kernel = ntuple(kernel_size, nd, name, "kernel_size", 1)
    stride = kernel if stride in (None, (), []) else ntuple(stride, nd, name, "stride", 1)
    padding = ntuple(padding, nd, name, "padding")
    dilation = ntuple(dilation, nd, name, "dilation", 1)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"{name}: padding {padding} should be at most half of the kernel size "
                         f"{kernel}")
    size = x.shape[2:]
    out = [_pool_size(*a, ceil_mode, name) for a in zip(size, kernel, stride, padding, dilation)]
    after = [max((o - 1) * s + d * (k - 1) + 1 - n - p, 0)
             for o, s, d, k, n, p in zip(out, stride, dilation, kernel, size, padding)]
    pairs = list(zip(padding, after))
    if any(lo or hi for lo, hi in pairs):
        x = ops.pad(x, [v for lo_hi in reversed(pairs) for v in lo_hi], value=fill)
    return windows(x, kernel, stride, dilation, out), (kernel, stride, padding, dilation, out)


def _blocks(x: Tensor, nd: int, kernel_size, stride, padding, dilation, ceil_mode: bool,
            name: str) -> tuple[int, ...] | None:
    """The kernel when the windows are disjoint blocks from the origin (stride == kernel, no
    padding or dilation, ceil_mode adding no partial window), the fast path; else None."""
    kernel = ntuple(kernel_size, nd, name, "kernel_size", 1)
    if stride not in (None, (), []) and ntuple(stride, nd, name, "stride", 1) != kernel:
        return None
    if any(ntuple(padding, nd, name, "padding")) or \
            any(d != 1 for d in ntuple(dilation, nd, name, "dilation", 1)):
        return None
    if any(k > n for k, n in zip(kernel, x.shape[2:])):
        return None  # the general path reports the error
    if ceil_mode and any(n % k for n, k in zip(x.shape[2:], kernel)):
        return None
    return kernel


def max_pool(x: Tensor, nd: int, kernel_size, stride, padding, dilation, ceil_mode: bool,
             return_indices: bool, name: str):
    """Max pooling behind max_pool1d/2d and the MaxPool layers (errors say `name`)."""
    x, unbatched = check_input(x, nd, None, name)
    blocks = _blocks(x, nd, kernel_size, stride, padding, dilation, ceil_mode, name)
    if blocks and not return_indices:
        y = BlockMax(blocks)(x)
        return y.squeeze(0) if unbatched else y
    win, (kernel, stride, padding, dil, out) = _pooled_windows(
        x, nd, kernel_size, stride, padding, dilation, ceil_mode, float("-inf"), name)
    n, c = x.shape[:2]
    y, arg = win.reshape(n, c, *out, math.prod(kernel)).max(dim=-1)  # grad to the first max
    if not return_indices:
        return y.squeeze(0) if unbatched else y
    flat = 0  # the max's position in the flattened (unpadded) input, as PyTorch returns it
    rest = arg
    for a in range(nd):
        tail = math.prod(kernel[a + 1:])
        tap, rest = rest // tail, rest % tail
        start = np.arange(out[a]) * stride[a] - padding[a]
        start = ops.tensor(start.reshape((-1,) + (1,) * (nd - 1 - a)), device=x.device)
        flat = flat * x.shape[2 + a] + start + tap * dil[a]
    return (y.squeeze(0), flat.squeeze(0)) if unbatched else (y, flat)


def avg_pool(x: Tensor, nd: int, kernel_size, stride, padding, ceil_mode: bool,
             count_include_pad: bool, divisor_override, name: str) -> Tensor:
    """Average pooling behind avg_pool1d/2d and the AvgPool layers (errors say `name`)."""
    x, unbatched = check_input(x, nd, None, name)
    win, (kernel, stride, padding, _, out) = _pooled_windows(
        x, nd, kernel_size, stride, padding, 1, ceil_mode, 0.0, name)
    total = win.sum(dim=tuple(range(-nd, 0)))
    if divisor_override:
        return (total / divisor_override).squeeze(0) if unbatched else total / divisor_override
    divisor = np.ones(())
    for o, k, s, p, n in zip(out, kernel, stride, padding, x.shape[2:]):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)  # windows past the padding (ceil_mode) count less
        count = end - start if count_include_pad else np.minimum(end, n) - np.maximum(start, 0)
        divisor = np.multiply.outer(divisor, count)
    y = total / ops.tensor(divisor, dtype=x.dtype, device=x.device)
    return y.squeeze(0) if unbatched else y


def max_pool1d(input: Tensor, kernel_size: Size, stride: Size | None = None,  # noqa: A002
               padding: Size = 0, dilation: Size = 1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Maximum over sliding windows of (N, C, L); padding counts as -inf, the gradient goes to
    the (first) maximum; return_indices also gives its flat position in the input."""
    return max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices, "max_pool1d")


def max_pool2d(input: Tensor, kernel_size: Size, stride: Size | None = None,  # noqa: A002
               padding: Size = 0, dilation: Size = 1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Maximum over sliding windows of (N, C, H, W) (see max_pool1d)."""
    return max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices, "max_pool2d")


def max_pool3d(input: Tensor, kernel_size: Size, stride: Size | None = None,  # noqa: A002
               padding: Size = 0, dilation: Size = 1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Maximum over sliding windows of (N, C, D, H, W) (see max_pool1d)."""
    return max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode,
                    return_indices, "max_pool3d")


def avg_pool1d(input: Tensor, kernel_size: Size, stride: Size | None = None,  # noqa: A002
               padding: Size = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean over sliding windows of (N, C, L); count_include_pad counts zero padding in the
    divisor (but never the overhang of ceil_mode's last window)."""
    return avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     None, "avg_pool1d")


def avg_pool2d(input: Tensor, kernel_size: Size, stride: Size | None = None,  # noqa: A002
               padding: Size = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over sliding windows of (N, C, H, W) (see avg_pool1d); divisor_override replaces
    the window size as the divisor."""
    return avg_pool(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool2d")


def avg_pool3d(input: Tensor, kernel_size: Size, stride: Size | None = None,  # noqa: A002
               padding: Size = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over sliding windows of (N, C, D, H, W) (see avg_pool2d)."""
    return avg_pool(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad,
                    divisor_override, "avg_pool3d")


def _adaptive_matrix(n_in: int, n_out: int) -> np.ndarray:
    """Row i averages input positions floor(i*n_in/n_out) .. ceil((i+1)*n_in/n_out) - 1."""
    m = np.zeros((n_out, n_in))
    for i in range(n_out):
        lo, hi = i * n_in // n_out, -(-(i + 1) * n_in // n_out)
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


def _adaptive_sizes(x: Tensor, nd: int, output_size, name: str) -> tuple[int, ...]:
    """The output size per spatial dimension (None keeps the input's), checked."""
    sizes = (output_size,) * nd if isinstance(output_size, int) or output_size is None \
        else tuple(output_size)
    if len(sizes) != nd or not all(s is None or (isinstance(s, int) and s > 0) for s in sizes):
        raise ValueError(f"{name}: output_size must be {nd} positive ints (or None), "
                         f"got {output_size!r}")
    return tuple(n if s is None else s for n, s in zip(x.shape[-nd:], sizes))


def adaptive_pool(x: Tensor, nd: int, output_size, name: str) -> Tensor:
    """Adaptive average pooling: one averaging matrix per spatial dimension, applied by einsum."""
    check_input(x, nd, None, name)
    sizes = _adaptive_sizes(x, nd, output_size, name)
    mats = [ops.tensor(_adaptive_matrix(n, s), dtype=x.dtype, device=x.device)
            for n, s in zip(x.shape[-nd:], sizes)]
    ins, outs = "hwd"[:nd], "ijk"[:nd]
    spec = f"...{ins}," + ",".join(o + i for o, i in zip(outs, ins)) + f"->...{outs}"
    return ops.einsum(spec, x, *mats)


def _adaptive_taps(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, widest window) input positions of PyTorch's adaptive windows, a short window
    padded by repeating its last position (which never changes the maximum or the first one)."""
    lo = np.arange(n_out) * n_in // n_out
    hi = -(-(np.arange(n_out) + 1) * n_in // n_out)
    width = int((hi - lo).max())
    return np.minimum(lo[:, None] + np.arange(width), hi[:, None] - 1)


def _adaptive_windows(x: Tensor, taps: list[np.ndarray]) -> Tensor:
    """x's adaptive windows, (..., *out, prod(widths)), by one index_select per dimension."""
    nd = len(taps)
    lead = x.ndim - nd
    for a, t in enumerate(taps):  # dimension lead + 2a becomes (out_a, width_a)
        d = lead + 2 * a
        idx = ops.tensor(t.reshape(-1), dtype=dt.int64, device=x.device)
        x = x.index_select(d, idx).reshape(*x.shape[:d], *t.shape, *x.shape[d + 1:])
    order = [*range(lead), *range(lead, lead + 2 * nd, 2), *range(lead + 1, lead + 2 * nd, 2)]
    x = x.permute(*order)
    return x.reshape(*x.shape[:lead + nd], -1)


def adaptive_max_pool(x: Tensor, nd: int, output_size, return_indices: bool, name: str):
    """Adaptive max pooling: the maximum over PyTorch's adaptive windows, the gradient to the
    first maximum; return_indices also gives its flat position in the input's spatial plane."""
    x, unbatched = check_input(x, nd, None, name)
    sizes = _adaptive_sizes(x, nd, output_size, name)
    taps = [_adaptive_taps(n, s) for n, s in zip(x.shape[-nd:], sizes)]
    y, arg = _adaptive_windows(x, taps).max(dim=-1)
    if return_indices:
        grid = np.arange(math.prod(x.shape[-nd:])).reshape(x.shape[-nd:])
        where = _adaptive_windows(ops.tensor(grid, dtype=dt.int64, device=x.device), taps)
        flat = ops.gather(where.broadcast_to((*y.shape, where.shape[-1])), -1,
                          arg.unsqueeze(-1)).squeeze(-1)
        return (y.squeeze(0), flat.squeeze(0)) if unbatched else (y, flat)
    return y.squeeze(0) if unbatched else y


def adaptive_avg_pool1d(input: Tensor, output_size: int) -> Tensor:  # noqa: A002
    """Average pooling of (N, C, L) to length output_size with PyTorch's window bounds."""
    return adaptive_pool(input, 1, output_size, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Tensor, output_size: Size) -> Tensor:  # noqa: A002
    """Average pooling of (N, C, H, W) to output_size (None keeps that dimension)."""
    return adaptive_pool(input, 2, output_size, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input: Tensor, output_size: Size) -> Tensor:  # noqa: A002
    """Average pooling of (N, C, D, H, W) to output_size (None keeps that dimension)."""
    return adaptive_pool(input, 3, output_size, "adaptive_avg_pool3d")


def adaptive_max_pool1d(input: Tensor, output_size: int,  # noqa: A002
                        return_indices: bool = False):
    """Maximum of (N, C, L) over output_size windows with PyTorch's adaptive bounds."""
    return adaptive_max_pool(input, 1, output_size, return_indices, "adaptive_max_pool1d")


def adaptive_max_pool2d(input: Tensor, output_size: Size,  # noqa: A002
                        return_indices: bool = False):
    """Maximum of (N, C, H, W) over adaptive windows (None keeps that dimension)."""
    return adaptive_max_pool(input, 2, output_size, return_indices, "adaptive_max_pool2d")


def adaptive_max_pool3d(input: Tensor, output_size: Size,  # noqa: A002
                        return_indices: bool = False):
    """Maximum of (N, C, D, H, W) over adaptive windows (None keeps that dimension)."""
    return adaptive_max_pool(input, 3, output_size, return_indices, "adaptive_max_pool3d")


def _linear_matrix(n_in: int, n_out: int, scale, align_corners: bool) -> np.ndarray:
    """PyTorch's linear interpolation weights as an (n_out, n_in) matrix."""
    i = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = i * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        step = 1.0 / scale if scale else n_in / n_out
        src = np.maximum(step * (i + 0.5) - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    frac = np.clip(src - lo, 0.0, 1.0)
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out), lo), 1.0 - frac)
    np.add.at(m, (np.arange(n_out), np.minimum(lo + 1, n_in - 1)), frac)
    return m


def _nearest_index(n_in: int, n_out: int, scale, exact: bool) -> np.ndarray:
    """PyTorch's source positions for nearest modes, in its float32 arithmetic (legacy
    'nearest' copies equal sizes and halves indices for exact doubling)."""
    if not exact and n_out in (n_in, 2 * n_in):
        return np.arange(n_out) // (n_out // n_in)
    step = np.float32(1.0 / scale) if scale else np.float32(n_in) / np.float32(n_out)
    i = np.arange(n_out, dtype=np.float32) + np.float32(0.5 if exact else 0.0)
    return np.minimum(np.floor(i * step).astype(np.int64), n_in - 1)


MODES = {"nearest": (1, 2), "nearest-exact": (1, 2), "linear": (1,), "bilinear": (2,)}


def interpolate(input: Tensor, size: Size | None = None,  # noqa: A002
                scale_factor: float | tuple[float, ...] | None = None, mode: str = "nearest",
                align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None) -> Tensor:
    """Resize (N, C, L) or (N, C, H, W) to `size` or by `scale_factor`: nearest (PyTorch's
    legacy rule), nearest-exact, linear (3-D) or bilinear (4-D), with align_corners."""
    return resize(input, size, scale_factor, mode, align_corners, recompute_scale_factor,
                  "interpolate")


def resize(input: Tensor, size, scale_factor, mode: str, align_corners,  # noqa: A002
           recompute_scale_factor, name: str) -> Tensor:
    """interpolate's work, with errors naming `name` (the function or the Upsample layer)."""
    if mode not in MODES:
        raise ValueError(f"{name}: mode must be one of {sorted(MODES)}, got {mode!r}")
    nd = input.ndim - 2
    if nd not in MODES[mode]:
        raise ValueError(f"{name}: mode {mode!r} needs a {MODES[mode][0] + 2}-D input "
                         f"(N, C, ...), got shape {input.shape}")
    if align_corners is not None and mode.startswith("nearest"):
        raise ValueError(f"{name}: align_corners can only be set with the linear modes")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{name}: give exactly one of size and scale_factor")
    spatial = input.shape[2:]
    if size is not None:
        out = ntuple(size, nd, name, "size", 1)
        scales = (None,) * nd
    else:
        scales = tuple(float(s) for s in (scale_factor if isinstance(scale_factor, (tuple, list))
                                          else (scale_factor,) * nd))
        if len(scales) != nd or not all(s > 0 for s in scales):
            raise ValueError(f"{name}: scale_factor must be {nd} positive numbers, "
                             f"got {scale_factor!r}")
        out = tuple(int(math.floor(n * s)) for n, s in zip(spatial, scales))
        if min(out) < 1:
            raise ValueError(f"{name}: scale_factor {scale_factor} gives the empty output size "
                             f"{out} for input shape {input.shape}")
        if recompute_scale_factor:
            scales = (None,) * nd
    y = input
    if mode.startswith("nearest"):
        for a, (n, o, s) in enumerate(zip(spatial, out, scales)):
            idx = _nearest_index(n, o, s, mode == "nearest-exact")
            y = y.index_select(2 + a, ops.tensor(idx, dtype=dt.int64, device=input.device))
        return y
    mats = [ops.tensor(_linear_matrix(n, o, s, bool(align_corners)), dtype=input.dtype,
                       device=input.device) for n, o, s in zip(spatial, out, scales)]
    if nd == 1:
        return ops.einsum("ncl,il->nci", y, mats[0])
    return ops.einsum("nchw,ih,jw->ncij", y, *mats)


upsample = interpolate
