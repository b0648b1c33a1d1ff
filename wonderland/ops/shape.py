"""Shape primitives (reshape, permute, broadcast_to) and the views built on them: transpose,
squeeze, flatten, expand, movedim ..."""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ._convert import broadcast_shape, norm_dim, norm_dims
from .batching import batch_size, to_front


@dataclass(frozen=True)
class Reshape(Primitive):
    """y = x with a new shape, same elements in row-major order;  dy = reshape(dx)"""

    shape: tuple[int, ...]

    def forward(self, xp, x):
        return x.reshape(self.shape)

    def vjp(self, g, y, x):
        return (reshape(g, x.shape),)

    def jvp(self, t, y, x):
        return reshape(t[0], self.shape)

    def batch(self, xs, bdims):
        x = to_front(xs[0], bdims[0], batch_size(xs, bdims))
        return Reshape((x.shape[0],) + self.shape)(x), 0


@dataclass(frozen=True)
class Permute(Primitive):
    """y = x with its axes reordered (y.shape[i] = x.shape[axes[i]]);  dy = permute(dx)"""

    axes: tuple[int, ...]

    def forward(self, xp, x):
        return xp.transpose(x, self.axes)

    def vjp(self, g, y, x):
        inverse = [0] * len(self.axes)
        for i, a in enumerate(self.axes):
            inverse[a] = i
        return (permute(g, tuple(inverse)),)

    def jvp(self, t, y, x):
        return permute(t[0], self.axes)

    def batch(self, xs, bdims):
        x = to_front(xs[0], bdims[0], batch_size(xs, bdims))
        return Permute((0,) + tuple(a + 1 for a in self.axes))(x), 0


@dataclass(frozen=True)
class BroadcastTo(Primitive):
    """y = x repeated along new leading axes and axes of size 1;  vjp sums over those axes"""

    shape: tuple[int, ...]

    def forward(self, xp, x):
        return xp.broadcast_to(x, self.shape)

    def vjp(self, g, y, x):
        lead = len(self.shape) - x.ndim
        axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(x.shape)
                                          if n == 1 and self.shape[lead + i] != 1)
        return (reshape(g.sum(axes), x.shape) if axes else reshape(g, x.shape),)

    def jvp(self, t, y, x):
        return broadcast_to(t[0], self.shape)

    def batch(self, xs, bdims):
        x = to_front(xs[0], bdims[0], batch_size(xs, bdims))
        n, lead = x.shape[0], len(self.shape) - (x.ndim - 1)  # new leading dims go after batch
        x = Reshape((n,) + (1,) * lead + x.shape[1:])(x)
        return BroadcastTo((n,) + self.shape)(x), 0


# --- public functions -----------------------------------------------------------------------
def _resolve_shape(shape, numel: int, name: str) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    shape = [int(s) for s in shape]
    if shape.count(-1) > 1:
        raise ValueError(f"{name}: only one dimension can be -1, got {tuple(shape)}")
    if -1 in shape:
        known = math.prod(s for s in shape if s != -1)
        if known == 0 or numel % known:
            raise ValueError(f"{name}: cannot infer -1 in {tuple(shape)} for {numel} elements")
        shape[shape.index(-1)] = numel // known
    if math.prod(shape) != numel:
        raise ValueError(f"{name}: shape {tuple(shape)} is invalid for input of {numel} elements")
    return tuple(shape)


def reshape(x: Tensor, *shape) -> Tensor:
    """The same elements in a new shape (one entry may be -1)."""
    shape = _resolve_shape(shape, x.numel(), "reshape")
    return x if shape == x.shape else Reshape(shape)(x)


view = reshape


def permute(x: Tensor, *axes) -> Tensor:
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = axes[0]
    if len(axes) != x.ndim:
        raise ValueError(f"permute: got {len(axes)} axes for a tensor of {x.ndim} dimensions")
    axes = tuple(norm_dim(a, x.ndim, "permute") for a in axes)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute: {axes} is not a permutation of the dimensions")
    return x if axes == tuple(range(x.ndim)) else Permute(axes)(x)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    axes = list(range(x.ndim))
    a, b = norm_dim(dim0, x.ndim, "transpose"), norm_dim(dim1, x.ndim, "transpose")
    if x.ndim < 2:
        return x
    axes[a], axes[b] = axes[b], axes[a]
    return permute(x, axes)


def t(x: Tensor) -> Tensor:
    """Transpose of a tensor with at most 2 dimensions (x.T)."""
    if x.ndim > 2:
        raise ValueError(f"t: expects at most 2 dimensions, got {x.ndim}; use mT or permute")
    return permute(x, tuple(reversed(range(x.ndim))))


def mT(x: Tensor) -> Tensor:  # noqa: N802  (PyTorch's name)
    """Transpose of the last two dimensions (batched matrices)."""
    if x.ndim < 2:
        raise ValueError(f"mT: expects at least 2 dimensions, got {x.ndim}")
    return transpose(x, -2, -1)


def broadcast_to(x: Tensor, shape) -> Tensor:
    shape = tuple(int(s) for s in shape)
    if len(shape) < x.ndim or broadcast_shape("broadcast_to", x.shape, shape) != shape:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}")
    return x if shape == x.shape else BroadcastTo(shape)(x)


def expand(x: Tensor, *sizes) -> Tensor:
    """Broadcast to `sizes`; -1 keeps a dimension's size."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: {len(sizes)} sizes for a tensor of {x.ndim} dimensions")
    shape = tuple(x.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    return broadcast_to(x, shape)


def broadcast_tensors(*ts: Tensor) -> list[Tensor]:
    shape = broadcast_shape("broadcast_tensors", *(t.shape for t in ts))
    return [broadcast_to(t, shape) for t in ts]


def squeeze(x: Tensor, dim=None) -> Tensor:
    """Remove dimensions of size 1 (all of them, or those named in dim that have size 1)."""
    dims = norm_dims(dim, x.ndim, "squeeze")
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1)))


def _new_dim(dim: int, ndim: int, name: str) -> int:
    """Where a new dimension goes in a result of ndim + 1 dimensions: [-(ndim + 1), ndim]."""
    if not -(ndim + 1) <= dim <= ndim:
        raise IndexError(f"{name}: dimension {dim} is out of range [{-(ndim + 1)}, {ndim}] for "
                         f"a new dimension of a tensor with {ndim} dimensions")
    return dim % (ndim + 1)


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    d = _new_dim(dim, x.ndim, "unsqueeze")
    return reshape(x, x.shape[:d] + (1,) + x.shape[d:])


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if x.ndim == 0:
        return reshape(x, (1,))
    s, e = norm_dim(start_dim, x.ndim, "flatten"), norm_dim(end_dim, x.ndim, "flatten")
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return reshape(x, x.shape[:s] + (math.prod(x.shape[s:e + 1]),) + x.shape[e + 1:])


def unflatten(x: Tensor, dim: int, sizes) -> Tensor:
    d = norm_dim(dim, x.ndim, "unflatten")
    sizes = _resolve_shape(tuple(sizes), x.shape[d], "unflatten")
    return reshape(x, x.shape[:d] + sizes + x.shape[d + 1:])


def movedim(x: Tensor, source, destination) -> Tensor:
    """Move dimension(s) `source` to position(s) `destination`, keeping the others in order."""
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise ValueError(f"movedim: {len(src)} source dims but {len(dst)} destinations")
    src = tuple(norm_dim(s, x.ndim, "movedim") for s in src)
    dst = tuple(norm_dim(d, x.ndim, "movedim") for d in dst)
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"movedim: repeated dimension in source {source} or destination "
                         f"{destination}")
    rest = iter(i for i in range(x.ndim) if i not in src)
    placed = dict(zip(dst, src))
    return permute(x, [placed[i] if i in placed else next(rest) for i in range(x.ndim)])
