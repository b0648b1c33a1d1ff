"""Strided views: as_strided reads x through (size, stride, offset) without copying, and
sliding windows (unfold) are built on it. AsStridedAdd, its vjp, adds every read back."""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ._convert import norm_dim
from .batching import batch_size, to_front


@functools.lru_cache(maxsize=64)
def _flat_positions(size, stride, offset) -> np.ndarray:
    """For each element of the view (flattened), the row-major position in x that it reads.

    Cached: a training loop asks for the same few views (one per conv layer) at every step."""
    pos = np.array(offset, dtype=np.int64)
    for n, s in zip(size, stride):  # grow one axis at a time by broadcasting
        pos = pos[..., None] + np.arange(n, dtype=np.int64) * s
    pos = pos.reshape(-1)
    pos.flags.writeable = False  # shared by every call through the cache
    return pos


def _loop_axes(size, stride, most: int = 64) -> tuple[int, ...] | None:
    """Axes to loop over so that the rest of the view reads each position at most once (then a
    plain += per loop index is exact), or None when that loop would be longer than `most`.

    For conv's sliding windows these are the kernel axes: kh * kw vectorised adds."""
    loop, reach = [], 0  # reach: the farthest offset the kept axes span so far
    # Finest strides first and, among equal strides, the longest axis first: it is kept and
    # the short ones (kernel taps) become the loop.
    for axis in sorted(range(len(size)), key=lambda a: (stride[a], -size[a])):
        if size[axis] == 1:
            continue
        if stride[axis] > reach:  # each step of this axis jumps past everything below it
            reach += (size[axis] - 1) * stride[axis]
        else:
            loop.append(axis)
    return tuple(loop) if math.prod(size[a] for a in loop) <= most else None


def _add_by_slices(xp, g, shape, size, stride, offset, loop):
    """zeros(shape) plus g added through the strided view, one loop index at a time."""
    out = xp.zeros(math.prod(shape), dtype=g.dtype)
    keep = [a for a in range(len(size)) if a not in loop]
    item = out.itemsize
    for idx in np.ndindex(*[size[a] for a in loop]):
        start = offset + sum(i * stride[a] for i, a in zip(idx, loop))
        view = xp.lib.stride_tricks.as_strided(out[start:], [size[a] for a in keep],
                                               [stride[a] * item for a in keep])
        pick = [slice(None)] * len(size)
        for i, a in zip(idx, loop):
            pick[a] = i
        view += g[tuple(pick)]
    return out.reshape(shape)


@dataclass(frozen=True)
class AsStrided(Primitive):
    """y[i...] = flat(x)[offset + sum_k i_k stride_k] (strides in elements of row-major x);
    vjp adds g back at the positions read"""

    size: tuple[int, ...]
    stride: tuple[int, ...]
    offset: int = 0

    def forward(self, xp, x):
        base = xp.ascontiguousarray(x).reshape(-1)[self.offset:]
        item = base.itemsize
        view = xp.lib.stride_tricks.as_strided(base, self.size, [s * item for s in self.stride])
        view.flags.writeable = False  # a window may alias many elements: never write through it
        return view

    def vjp(self, g, y, x):
        return (AsStridedAdd(x.shape, self.size, self.stride, self.offset)(g),)

    def jvp(self, t, y, x):
        return AsStrided(self.size, self.stride, self.offset)(t[0])

    def batch(self, xs, bdims):
        x = to_front(xs[0], bdims[0], batch_size(xs, bdims))
        n, per_example = x.shape[0], math.prod(x.shape[1:])
        return AsStrided((n,) + self.size, (per_example,) + self.stride, self.offset)(x), 0


@dataclass(frozen=True)
class AsStridedAdd(Primitive):
    """y = zeros(shape) with each g[i...] added at the position AsStrided read it from;
    vjp reads through the same strides"""

    shape: tuple[int, ...]
    size: tuple[int, ...]
    stride: tuple[int, ...]
    offset: int = 0

    def forward(self, xp, g):
        loop = _loop_axes(self.size, self.stride)
        if loop is None:  # too many overlapping reads to loop over: count every position
            pos = xp.asarray(_flat_positions(self.size, self.stride, self.offset))
            flat = xp.bincount(pos, weights=g.reshape(-1), minlength=math.prod(self.shape))
            return flat.astype(g.dtype).reshape(self.shape)
        return _add_by_slices(xp, g, self.shape, self.size, self.stride, self.offset, loop)

    def vjp(self, g, y, v):
        return (AsStrided(self.size, self.stride, self.offset)(g),)

    def jvp(self, t, y, v):
        return AsStridedAdd(self.shape, self.size, self.stride, self.offset)(t[0])

    def batch(self, xs, bdims):
        g = to_front(xs[0], bdims[0], batch_size(xs, bdims))
        n, per_example = g.shape[0], math.prod(self.shape)
        return AsStridedAdd((n,) + self.shape, (n,) + self.size, (per_example,) + self.stride,
                            self.offset)(g), 0


def as_strided(x: Tensor, size, stride, storage_offset: int = 0) -> Tensor:
    """A view of x's elements (row-major order) with the given sizes and element strides."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise ValueError(f"as_strided: size {size} and stride {stride} differ in length")
    if any(s < 0 for s in stride) or storage_offset < 0:
        raise ValueError("as_strided: strides and offset must be non-negative")
    last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    if last >= max(x.numel(), 1) and all(size):
        raise ValueError(f"as_strided: size {size} with stride {stride} and offset "
                         f"{storage_offset} reads element {last} of a tensor of {x.numel()}")
    return AsStrided(size, stride, int(storage_offset))(x)


def contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= n
    return tuple(reversed(strides))


def unfold(x: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Sliding windows of `size` every `step` along a dimension, as a new last dimension
    (Tensor.unfold): the view that turns convolution into one matrix product."""
    d = norm_dim(dimension, x.ndim, "unfold")
    n = x.shape[d] if x.ndim else 1
    if size > n or size <= 0 or step <= 0:
        raise ValueError(f"unfold: window {size} with step {step} does not fit dimension {d} "
                         f"of size {n}")
    if x.ndim == 0:  # as in PyTorch: the one window of a scalar, shape (1,)
        return as_strided(x, (1,), (1,))
    strides = contiguous_strides(x.shape)
    shape = list(x.shape)
    shape[d] = (n - size) // step + 1
    new_strides = list(strides)
    new_strides[d] = strides[d] * step
    return as_strided(x, shape + [size], new_strides + [strides[d]])
