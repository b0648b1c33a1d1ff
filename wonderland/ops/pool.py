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


def _first_max_masks(xp, x, kernel):
    """Per tap, its key into x's block view and where that tap is its block's first maximum
    (NaN counting as the maximum), found by a knockout tournament over the taps: each match
    keeps the left side (the earlier taps) on ties and when it is NaN, so the one winner per
    block is the first maximum, at about half the passes of testing every tap against the
    block's maximum."""
    view, keys = _blocks(x, kernel)
    taps = [view[key] for key in keys]
    masks, best = _tournament(xp, taps, nan=False)
    if xp.isnan(xp.max(best, initial=-xp.inf)):  # a NaN somewhere (rare): play it again,
        masks, _ = _tournament(xp, taps, nan=True)  # now with NaN beating everything
    masks = [xp.ones(best.shape, dtype=bool) if m is None else m for m in masks]  # 1 tap
    return view, list(zip(keys, masks))


def _tournament(xp, taps, nan: bool):
    """(one mask per tap, where it wins its block; the winning values). A mask of None means
    'everywhere' (a single tap has no one to beat)."""
    if len(taps) == 1:
        return [None], taps[0]
    half = len(taps) // 2
    left, best_left = _tournament(xp, taps[:half], nan)
    right, best_right = _tournament(xp, taps[half:], nan)
    left_wins = xp.greater_equal(best_left, best_right)
    if nan:
        left_wins |= xp.isnan(best_left)
    right_wins = ~left_wins
    masks = [_narrow(xp, m, left_wins) for m in left] + [_narrow(xp, m, right_wins)
                                                        for m in right]
    return masks, xp.maximum(best_left, best_right)  # NaN propagates, ties keep their value


def _like(xp, a, layout):
    """a's values in an array laid out in memory as `layout` (same shape)."""
    out = xp.empty_like(layout, dtype=a.dtype)
    out[...] = a
    return out


def _narrow(xp, mask, wins):
    return wins if mask is None else xp.logical_and(mask, wins, out=mask)


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
        whole = all(n % k == 0 for n, k in zip(x.shape[x.ndim - len(self.kernel):],
                                               self.kernel))
        # x's memory layout, so that y's block view is a view; zeros only where the blocks
        # leave a cropped edge, as every block element is written below
        y = (xp.empty_like if whole else xp.zeros_like)(x, dtype=g.dtype)
        _, masks = _first_max_masks(xp, x, self.kernel)
        out, _ = _blocks(y, self.kernel)
        if g.strides != masks[0][1].strides:  # one copy into x's layout: passes over operands
            g = _like(xp, g, masks[0][1])  # in mixed layouts cost more than the copy
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
