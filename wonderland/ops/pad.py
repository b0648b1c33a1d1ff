"""Padding in PyTorch's convention (pairs from the last dimension backwards): constant,
reflect, replicate and circular, all composed from indexing primitives."""
from __future__ import annotations

import numpy as np

from ..core.tensor import Tensor
from .index import IndexAdd
from .keys import normalize_key


def _pairs(x: Tensor, pad) -> list[tuple[int, int]]:
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: expected an even number of at most {2 * x.ndim} values "
                         f"for shape {x.shape}, got {pad}")
    pairs = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        pairs[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return pairs


def _source_index(n: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """For each output position along one dimension, the input position it copies."""
    j = np.arange(-lo, n + hi)
    if mode == "reflect":
        if lo >= n or hi >= n:
            raise ValueError(f"pad: reflect padding ({lo}, {hi}) must be smaller than the "
                             f"dimension size {n}")
        period = 2 * (n - 1) or 1
        j = np.abs(j) % period
        return np.where(j >= n, period - j, j)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    if lo > n or hi > n:  # circular
        raise ValueError(f"pad: circular padding ({lo}, {hi}) exceeds the dimension size {n}")
    return j % n


def pad(x: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or, with negative amounts, crop) the trailing dimensions of x; `value` (constant
    mode only, None meaning 0, as in PyTorch) fills the border."""
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', "
                         f"got {mode!r}")
    if value is not None and mode != "constant":
        raise ValueError(f"pad: padding mode {mode!r} doesn't take a value argument "
                         f"(got {value})")
    value = 0.0 if value is None else value
    pairs = _pairs(x, pad)
    for d, ((lo, hi), n) in enumerate(zip(pairs, x.shape)):
        if max(-lo, 0) + max(-hi, 0) > n:
            raise ValueError(f"pad: negative padding ({lo}, {hi}) crops more than the size {n} "
                             f"of dimension {d}")
    if mode in ("reflect", "replicate"):
        # Source positions on the uncropped dimension: as in PyTorch, a reflection may reach
        # elements that a negative pad on the other side crops from the output.
        for d, (lo, hi) in enumerate(pairs):
            if lo or hi:
                x = x[(slice(None),) * d + (_source_index(x.shape[d], lo, hi, mode),)]
        return x
    if any(lo < 0 or hi < 0 for lo, hi in pairs):
        x = x[tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(pairs, x.shape))]
        pairs = [(max(lo, 0), max(hi, 0)) for lo, hi in pairs]
    if mode == "constant":
        shape = tuple(n + lo + hi for (lo, hi), n in zip(pairs, x.shape))
        if shape == x.shape:
            return x
        key = normalize_key(tuple(slice(lo, lo + n) for (lo, _), n in zip(pairs, x.shape)), shape)
        out = IndexAdd(key, shape)(x)
        if value != 0:
            border = np.full(shape, value, dtype=x.dtype.np_dtype)
            border[key] = 0
            out = out + Tensor._make(x.device.backend.from_numpy(border), x.device)
        return out
    for d, (lo, hi) in enumerate(pairs):
        if lo or hi:
            x = x[(slice(None),) * d + (_source_index(x.shape[d], lo, hi, mode),)]
    return x
