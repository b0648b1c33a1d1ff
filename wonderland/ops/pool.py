"""Max pooling over non-overlapping blocks (kernel == stride, no padding or dilation), the
common case, as three primitives over the trailing len(kernel) dimensions: BlockMax, and the
two linear maps that route values through each block's first maximum (its derivative).

Each dimension is cropped to a multiple of its kernel size; a block is read as strided slices
of a (..., out_1, k_1, out_2, k_2 ...) view, one slice per tap, so that every pass is a
vectorised operation over the whole output and no index array is built. Ties go to the first
maximum in row-major tap order (NaN counts as the maximum), as argmax and PyTorch choose."""
from __future__ import annotations

import itertools
from dataclasses import dataclass

from ..core.primitive import Primitive
from .batching import batch_leading


def _blocks(x, kernel):
    """x cropped to whole blocks, viewed as (..., out_1, k_1, ..., out_d, k_d), and the key of
    each tap into that view (row-major over the kernel)."""
    lead = x.ndim - len(kernel)
    out = [n // k for n, k in zip(x.shape[lead:], kernel)]
    crop = x[(Ellipsis,) + tuple(slice(0, o * k) for o, k in zip(out, kernel))]
    view = crop.reshape(x.shape[:lead] + tuple(v for o, k in zip(out, kernel) for v in (o, k)))
    keys = [(Ellipsis,) + tuple(v for i in tap for v in (slice(None), i))
            for tap in itertools.product(*map(range, kernel))]
    return view, keys


def _block_max(xp, view, keys, like=None):
    """The maximum over each block (NaN propagates, as in PyTorch), laid out in memory as
    `like` when given, else as the blocks."""
    y = view[keys[0]].copy(order="K") if like is None else xp.empty_like(like, dtype=view.dtype)
    if like is not None:
        y[...] = view[keys[0]]
    for key in keys[1:]:
        xp.maximum(y, view[key], out=y)
    return y


def _first_max_masks(xp, x, kernel, like=None):
    """Per tap, its key into x's block view and where that tap is its block's first maximum:
    the taps equal to the maximum (or NaN, when the maximum is), minus the blocks taken. The
    masks are laid out as `like` (the cotangent: elementwise passes are fastest in one layout)."""
    view, keys = _blocks(x, kernel)
    y = _block_max(xp, view, keys, like)
    nan = xp.isnan(y) if xp.isnan(xp.min(y, initial=0)) else None  # one cheap pass
    free, masks = None, []
    for i, key in enumerate(keys):
        hit = xp.equal(view[key], y, out=xp.empty_like(y, dtype=bool))
        if nan is not None:
            hit |= nan & xp.isnan(view[key])
        if free is None:
            free = ~hit
        else:
            hit &= free
            if i < len(keys) - 1:
                free ^= hit  # hit lies inside free: this clears the blocks just taken
        masks.append((key, hit))
    return view, masks


@dataclass(frozen=True)
class BlockMax(Primitive):
    """y = max of x over each block of `kernel` in the trailing dims;
    dx = BlockMaxScatter(x, g): g at each block's first maximum"""

    kernel: tuple[int, ...]
    batch = batch_leading

    def forward(self, xp, x):
        return _block_max(xp, *_blocks(x, self.kernel))

    def vjp(self, g, y, x):
        return (BlockMaxScatter(self.kernel)(x, g),)

    def jvp(self, t, y, x):
        return BlockMaxGather(self.kernel)(x, t[0])


@dataclass(frozen=True)
class BlockMaxScatter(Primitive):
    """y = zeros like x with g[block] at the block's first maximum of x (linear in g);
    dx = 0, dg = BlockMaxGather(x, h)"""

    kernel: tuple[int, ...]
    batch = batch_leading

    def forward(self, xp, x, g):
        y = xp.zeros_like(x, dtype=g.dtype)  # x's memory layout: y's block view is a view
        _, masks = _first_max_masks(xp, x, self.kernel, like=g)
        out, _ = _blocks(y, self.kernel)
        for key, hit in masks:
            xp.multiply(g, hit, out=out[key])
        return y

    def vjp(self, h, y, x, g):
        return None, BlockMaxGather(self.kernel)(x, h)

    def jvp(self, t, y, x, g):
        return self(x, t[1])


@dataclass(frozen=True)
class BlockMaxGather(Primitive):
    """y[block] = v at the block's first maximum of x (linear in v);
    dx = 0, dv = BlockMaxScatter(x, g)"""

    kernel: tuple[int, ...]
    batch = batch_leading

    def forward(self, xp, x, v):
        _, masks = _first_max_masks(xp, x, self.kernel)
        values, _ = _blocks(v, self.kernel)
        y = xp.zeros(masks[0][1].shape, dtype=v.dtype)
        for key, hit in masks:
            xp.copyto(y, values[key], where=hit)
        return y

    def vjp(self, g, y, x, v):
        return None, BlockMaxScatter(self.kernel)(x, g)

    def jvp(self, t, y, x, v):
        return self(x, t[1])
