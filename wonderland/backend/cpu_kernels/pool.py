"""Max-pooling over disjoint blocks in one pass per direction (numba, parallel over the
(example, channel) planes): BlockMax and its derivative BlockMaxScatter, for 1-D and 2-D kernels
over (N, C, L) or (N, C, H, W) floats. The NumPy forwards in ops/pool.py take a dozen strided
passes for the scatter; here each block is read once, its first maximum found by a scan
(strictly greater replaces, a NaN replaces a number: the same winner as there)."""
from __future__ import annotations

import functools

import numpy as np

from ...ops.pool import BlockMax, BlockMaxScatter
from ..kernels import register_kernel
from ._numba import FLOATS, njit, prange

# The scans select rather than branch on the data (| and &, not `or` and `and`; conditional
# expressions that compile to selects), and each kernel size gets its own compiled function
# with kh and kw as constants, so that the tiny block loops unroll: with branches, or with the
# sizes as arguments, the kernels ran slower than NumPy (10 ms against 8.4 for a 2x2 scatter of
# 128 x 32 x 26 x 26 floats; 2.6 ms as written).

@functools.cache
def _block_max(kh: int, kw: int):
    @njit(parallel=True)
    def kernel(x, out):
        planes, oh, ow = out.shape
        for p in prange(planes):
            for i in range(oh):
                for j in range(ow):
                    best = x[p, i * kh, j * kw]
                    for a in range(i * kh, i * kh + kh):
                        for b in range(j * kw, j * kw + kw):
                            v = x[p, a, b]
                            best = v if (v > best) | ((v != v) & (best == best)) else best
                    out[p, i, j] = best
    return kernel


@functools.cache
def _block_max_scatter(kh: int, kw: int):
    @njit(parallel=True)
    def kernel(x, g, out):
        planes, oh, ow = g.shape
        for p in prange(planes):
            for i in range(oh):
                for j in range(ow):
                    top, left = i * kh, j * kw
                    best, row, col = x[p, top, left], top, left
                    for a in range(top, top + kh):
                        for b in range(left, left + kw):
                            v = x[p, a, b]
                            better = (v > best) | ((v != v) & (best == best))
                            best = v if better else best
                            row = a if better else row
                            col = b if better else col
                    gv = g[p, i, j]
                    for a in range(top, top + kh):
                        for b in range(left, left + kw):
                            out[p, a, b] = gv if (a == row) & (b == col) else 0
    return kernel


def _planes(x: np.ndarray, kernel: tuple[int, ...]):
    """(whether the (N, C) axes are stored swapped, the kernel as (kh, kw)), or None for the
    inputs the kernels skip. Swapped is how the fused conv lays out its output."""
    if x.dtype not in FLOATS or len(kernel) not in (1, 2) or x.ndim != len(kernel) + 2:
        return None
    swapped = not x.flags.c_contiguous and x.swapaxes(0, 1).flags.c_contiguous
    return swapped, (1, kernel[0]) if len(kernel) == 1 else kernel


def _as_planes(a: np.ndarray, swapped: bool) -> np.ndarray:
    """a as (planes, H, W): a view when a is laid out as `swapped` says, else a copy."""
    a = a.swapaxes(0, 1) if swapped else a
    return a.reshape((-1,) + (a.shape[2:] if a.ndim == 4 else (1, a.shape[2])))


def _from_planes(planes: np.ndarray, shape: tuple[int, ...], swapped: bool) -> np.ndarray:
    if swapped:
        return planes.reshape((shape[1], shape[0]) + shape[2:]).swapaxes(0, 1)
    return planes.reshape(shape)


def block_max(prim: BlockMax, x: np.ndarray):
    layout = _planes(x, prim.kernel)
    if layout is None:
        return NotImplemented
    swapped, (kh, kw) = layout
    xs = _as_planes(x, swapped)
    out = np.empty((xs.shape[0], xs.shape[1] // kh, xs.shape[2] // kw), dtype=x.dtype)
    _block_max(kh, kw)(xs, out)
    return _from_planes(out, x.shape[:2] + tuple(n // k for n, k in zip(x.shape[2:],
                                                                       prim.kernel)), swapped)


def block_max_scatter(prim: BlockMaxScatter, x: np.ndarray, g: np.ndarray):
    layout = _planes(x, prim.kernel)
    if layout is None or g.dtype != x.dtype:
        return NotImplemented
    swapped, (kh, kw) = layout
    xs = _as_planes(x, swapped)
    whole = xs.shape[1] % kh == 0 and xs.shape[2] % kw == 0
    out = (np.empty if whole else np.zeros)(xs.shape, dtype=x.dtype)  # a cropped edge gets 0
    _block_max_scatter(kh, kw)(xs, _as_planes(g, swapped), out)
    return _from_planes(out, x.shape, swapped)


register_kernel("cpu", BlockMax, block_max)
register_kernel("cpu", BlockMaxScatter, block_max_scatter)
