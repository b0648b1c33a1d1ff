"""Joining and cutting along a dimension (the Cat primitive; cat, stack, split, chunk, unbind,
narrow) and the rearrangements built from pieces: flip, roll, repeat, tile, repeat_interleave."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.dual import Alias
from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ._convert import norm_dim, norm_dims, promote_args
from .batching import batch_axis
from .shape import _new_dim, broadcast_to, expand, flatten, reshape, unsqueeze


@dataclass(frozen=True)
class Cat(Primitive):
    """y = the inputs joined along `axis`;  vjp slices the cotangent back into pieces"""

    batch = batch_axis

    axis: int

    def forward(self, xp, *xs):
        return xp.concatenate(xs, axis=self.axis)

    def vjp(self, g, y, *xs):
        out, start = [], 0
        for x in xs:
            n = x.shape[self.axis]
            out.append(narrow(g, self.axis, start, n) if x.requires_grad else None)
            start += n
        return tuple(out)

    def jvp(self, t, y, *xs):
        return Cat(self.axis)(*t)




def cat(tensors, dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    tensors = promote_args("cat", *tensors)
    ref = tensors[0]
    d = norm_dim(dim, ref.ndim, "cat")
    for i, x in enumerate(tensors):
        if x.ndim != ref.ndim or x.shape[:d] + x.shape[d + 1:] != ref.shape[:d] + ref.shape[d + 1:]:
            raise ValueError(f"cat: tensor {i} has shape {x.shape}, which does not match "
                             f"{ref.shape} outside dimension {d}")
    return tensors[0] if len(tensors) == 1 else Cat(d)(*tensors)


concatenate = cat


def stack(tensors, dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new dimension."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    for i, x in enumerate(tensors):
        if x.shape != tensors[0].shape:
            raise ValueError(f"stack: tensor {i} has shape {x.shape}, expected {tensors[0].shape}")
    d = _new_dim(dim, tensors[0].ndim, "stack")
    return cat([unsqueeze(x, d) for x in tensors], d)


def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The slice [start, start + length) along dim (a negative start counts from the end)."""
    d = norm_dim(dim, x.ndim, "narrow")
    n = x.shape[d]
    if not -n <= start <= n:
        raise IndexError(f"narrow: start {start} is out of range [{-n}, {n}] for dimension {d}")
    start = start % n if start < 0 else start
    if length < 0 or start + length > n:
        raise ValueError(f"narrow: start {start} + length {length} does not fit dimension {d} "
                         f"of size {n}")
    return x[(slice(None),) * d + (slice(start, start + length),)]


def split(x: Tensor, split_size_or_sections, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of a given size (the last may be smaller), or of the listed sizes."""
    d = norm_dim(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0:
            raise ValueError(f"split: size must be positive, got {step}")
        sizes = [min(step, n - s) for s in range(0, n, step)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise ValueError(f"split: sizes {sizes} must not be negative")
        if sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} do not add up to {n} along dimension {d}")
    out, start = [], 0
    for s in sizes:
        out.append(narrow(x, d, start, s))
        start += s
    return tuple(out)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """At most `chunks` pieces of equal size (the last may be smaller), as in PyTorch."""
    n = x.shape[norm_dim(dim, x.ndim, "chunk")]
    if chunks <= 0:
        raise ValueError(f"chunk: the number of chunks must be positive, got {chunks}")
    return split(x, max(1, -(-n // chunks)), dim)


def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    d = norm_dim(dim, x.ndim, "unbind")
    return tuple(x[(slice(None),) * d + (i,)] for i in range(x.shape[d]))


def flip(x: Tensor, dims) -> Tensor:
    dims = norm_dims(dims, x.ndim, "flip")
    return x[tuple(slice(None, None, -1) if i in dims else slice(None) for i in range(x.ndim))]


def roll(x: Tensor, shifts, dims=None) -> Tensor:
    """Shift elements cyclically along dims (the flattened tensor when dims is None)."""
    if dims is None:
        return reshape(roll(flatten(x), shifts, 0), x.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: {len(shifts)} shifts but {len(dims)} dims")
    for s, d in zip(shifts, dims):
        d = norm_dim(d, x.ndim, "roll")
        n = x.shape[d]
        s = s % n if n else 0
        if s:
            x = cat([narrow(x, d, n - s, s), narrow(x, d, 0, n - s)], d)
    return x


def repeat(x: Tensor, *repeats) -> Tensor:
    """Tile x `repeats[i]` times along dimension i (PyTorch's Tensor.repeat)."""
    if len(repeats) == 1 and isinstance(repeats[0], (tuple, list)):
        repeats = repeats[0]
    repeats = tuple(int(r) for r in repeats)
    if len(repeats) < x.ndim:
        raise ValueError(f"repeat: {len(repeats)} repeats for a tensor of {x.ndim} dimensions")
    x = reshape(x, (1,) * (len(repeats) - x.ndim) + x.shape)
    # Each dimension n becomes (r, n), broadcast, then merged: the repeats are outermost.
    inter = tuple(v for r, n in zip(repeats, x.shape) for v in (1, n))
    wide = tuple(v for r, n in zip(repeats, x.shape) for v in (r, n))
    out = broadcast_to(reshape(x, inter), wide)
    # a copy, as PyTorch's: the broadcast view's memory overlaps, so it could not be written
    return Alias(copy=True)(reshape(out, tuple(r * n for r, n in zip(repeats, x.shape))))


def tile(x: Tensor, dims) -> Tensor:
    dims = tuple(dims)
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


def repeat_interleave(x: Tensor, repeats: int, dim: int | None = None) -> Tensor:
    """Repeat each element `repeats` times in place along dim (flattened when dim is None)."""
    if dim is None:
        x, dim = flatten(x), 0
    d = norm_dim(dim, x.ndim, "repeat_interleave")
    y = unsqueeze(x, d + 1)
    y = expand(y, x.shape[:d + 1] + (repeats,) + x.shape[d + 1:])
    return flatten(y, d, d + 1)
