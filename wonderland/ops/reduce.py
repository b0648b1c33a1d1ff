"""Reductions (sum, prod, amax/amin, argmax/argmin, cumsum, any/all) and those built on them:
mean, var, std, logsumexp, max/min with indices."""
from __future__ import annotations

import builtins
import math
from collections import namedtuple
from dataclasses import dataclass

from ..core import dtype as dt
from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ._convert import float_only, norm_dim, norm_dims
from .batching import batch_axes, batch_axis, batch_size, to_front
from .precision import float32_inside, in_float32
from .shape import BroadcastTo, broadcast_to, reshape


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _spread(g: Tensor, x: Tensor, axes: tuple[int, ...]) -> Tensor:
    """A reduced tensor (with or without kept dims) broadcast back over x's shape."""
    if g.ndim == 0:  # a total: a scalar broadcasts as it is
        return BroadcastTo(x.shape)(g) if x.ndim else g
    return broadcast_to(reshape(g, _kept_shape(x.shape, axes)), x.shape)


@dataclass(frozen=True)
class Sum(Primitive):
    """y = sum of x over `axes`;  dy = sum(dx), and the cotangent spreads back evenly"""

    batch = batch_axes

    axes: tuple[int, ...]
    keepdims: bool = False

    @float32_inside  # float16 accumulates in float32, as PyTorch's sum
    def forward(self, xp, x):
        return xp.sum(x, axis=self.axes, keepdims=self.keepdims)

    def vjp(self, g, y, x):
        return (_spread(g, x, self.axes),)

    def jvp(self, t, y, x):
        return Sum(self.axes, self.keepdims)(t[0])


@dataclass(frozen=True)
class Prod(Primitive):
    """y = product of x over `axes`;  d y / d x_i = product of the other elements"""

    batch = batch_axes

    axes: tuple[int, ...]
    keepdims: bool = False

    def forward(self, xp, x):
        return xp.prod(x, axis=self.axes, keepdims=self.keepdims)

    def _others(self, y, x):
        """For each x_i, the product of the other elements of its reduction group."""
        if not (x == 0)._values().any():
            return _spread(y, x, self.axes) / x
        # With zeros, y / x is undefined: move the reduced axes last, build an n x n grid with
        # ones on its diagonal (x_i replaced by 1), and take the product along each row.
        from .creation import eye

        keep = [i for i in range(x.ndim) if i not in self.axes]
        moved = x.permute(keep + list(self.axes))
        flat = moved.reshape([x.shape[i] for i in keep] + [-1])
        n = flat.shape[-1]
        grid = flat.unsqueeze(-2).expand(flat.shape[:-1] + (n, n))
        others = where_eye(grid, eye(n, dtype=x.dtype, device=x.device)).prod(-1)
        inverse = [0] * x.ndim
        for pos, axis in enumerate(keep + list(self.axes)):
            inverse[axis] = pos
        return others.reshape(moved.shape).permute(inverse)

    def vjp(self, g, y, x):
        return (_spread(g, x, self.axes) * self._others(y, x),)

    def jvp(self, t, y, x):
        return Sum(self.axes, self.keepdims)(t[0] * self._others(y, x))


def where_eye(grid: Tensor, identity: Tensor) -> Tensor:
    from .binary import where

    return where(identity.to(dt.bool_), 1.0, grid)


class _Extreme(Primitive):
    """Shared rule of amax and amin: the cotangent is split evenly among tied extreme elements."""

    batch = batch_axes

    def _share(self, y, x):
        hit = (x == _spread(y, x, self.axes)).to(x.dtype)
        return hit / _spread(Sum(self.axes, True)(hit), x, self.axes)

    def vjp(self, g, y, x):
        return (_spread(g, x, self.axes) * self._share(y, x),)

    def jvp(self, t, y, x):
        return Sum(self.axes, self.keepdims)(t[0] * self._share(y, x))


@dataclass(frozen=True)
class Amax(_Extreme):
    """y = max of x over `axes`;  ties share the derivative equally"""

    axes: tuple[int, ...]
    keepdims: bool = False

    def forward(self, xp, x):
        return xp.max(x, axis=self.axes, keepdims=self.keepdims)


@dataclass(frozen=True)
class Amin(_Extreme):
    """y = min of x over `axes`;  ties share the derivative equally"""

    axes: tuple[int, ...]
    keepdims: bool = False

    def forward(self, xp, x):
        return xp.min(x, axis=self.axes, keepdims=self.keepdims)


class _ArgExtreme(Primitive):
    """Shared batching rule of argmax and argmin (they have no derivative)."""

    differentiable = False

    def batch(self, xs, bdims):
        x = to_front(xs[0], bdims[0], batch_size(xs, bdims))
        if self.axis is not None:
            return type(self)(self.axis + 1, self.keepdims)(x), 0
        y = type(self)(1)(x.reshape(x.shape[0], -1))  # per example, over the flattened example
        return (y.reshape((x.shape[0],) + (1,) * (x.ndim - 1)) if self.keepdims else y), 0


@dataclass(frozen=True)
class ArgMax(_ArgExtreme):
    """y = index of the first maximum along `axis` (None: of the flattened tensor)"""

    axis: int | None
    keepdims: bool = False

    def forward(self, xp, x):
        return xp.argmax(x, axis=self.axis, keepdims=self.keepdims).astype("int64")


@dataclass(frozen=True)
class ArgMin(_ArgExtreme):
    """y = index of the first minimum along `axis` (None: of the flattened tensor)"""

    axis: int | None
    keepdims: bool = False

    def forward(self, xp, x):
        return xp.argmin(x, axis=self.axis, keepdims=self.keepdims).astype("int64")


@dataclass(frozen=True)
class Cumsum(Primitive):
    """y_i = x_0 + ... + x_i along `axis`;  vjp is the reversed cumulative sum of g"""

    batch = batch_axis

    axis: int

    @float32_inside
    def forward(self, xp, x):
        return xp.cumsum(x, axis=self.axis)

    def vjp(self, g, y, x):
        return (g.flip(self.axis).cumsum(self.axis).flip(self.axis),)

    def jvp(self, t, y, x):
        return Cumsum(self.axis)(t[0])


@dataclass(frozen=True)
class Any(Primitive):
    """y = whether any element over `axes` is nonzero"""

    batch = batch_axes

    axes: tuple[int, ...]
    keepdims: bool = False
    differentiable = False

    def forward(self, xp, x):
        return xp.any(x, axis=self.axes, keepdims=self.keepdims)


@dataclass(frozen=True)
class All(Primitive):
    """y = whether every element over `axes` is nonzero"""

    batch = batch_axes

    axes: tuple[int, ...]
    keepdims: bool = False
    differentiable = False

    def forward(self, xp, x):
        return xp.all(x, axis=self.axes, keepdims=self.keepdims)


# --- public functions -----------------------------------------------------------------------
def sum(x: Tensor, dim=None, keepdim: bool = False, dtype=None) -> Tensor:  # noqa: A001
    """Sum over dim (all dims when None); integers and bools sum as int64, as in PyTorch."""
    if dtype is not None:
        x = x.to(dtype)
    elif not x.is_floating_point:
        x = x.to(dt.int64)
    return Sum(norm_dims(dim, x.ndim, "sum"), keepdim)(x)


def prod(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    if not x.is_floating_point:
        x = x.to(dt.int64)
    return Prod(norm_dims(dim, x.ndim, "prod"), keepdim)(x)


@in_float32  # float16 as PyTorch's: in float32, rounded once
def mean(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    float_only("mean", x)
    axes = norm_dims(dim, x.ndim, "mean")
    n = math.prod(x.shape[a] for a in axes)
    return Sum(axes, keepdim)(x) / n


@in_float32  # float16 as PyTorch's: in float32, rounded once
def var(x: Tensor, dim=None, correction: int = 1, keepdim: bool = False) -> Tensor:
    """Variance over dim, dividing by N - correction (1: unbiased, 0: population)."""
    float_only("var", x)
    axes = norm_dims(dim, x.ndim, "var")
    n = math.prod(x.shape[a] for a in axes)
    centred = x - mean(x, axes, keepdim=True)
    # builtins.max: this module's own max is the tensor op
    return Sum(axes, keepdim)(centred * centred) / builtins.max(n - correction, 0)


@in_float32  # float16 as PyTorch's: in float32, rounded once
def std(x: Tensor, dim=None, correction: int = 1, keepdim: bool = False) -> Tensor:
    """Standard deviation over dim; its gradient at a constant input is 0, as in PyTorch."""
    return root_zero_slope_at_zero(var(x, dim, correction, keepdim))


def root_zero_slope_at_zero(s: Tensor, p: float = 2.0) -> Tensor:
    """s ** (1/p) for s >= 0 (sqrt for p = 2), with derivative 0 at s = 0 instead of inf: the
    subgradient PyTorch gives std at a constant input and norms at the zero vector. The root
    sees 1 where s = 0, so neither branch of the where carries inf * 0 = nan."""
    from .binary import where

    zero = s == 0
    safe = where(zero, 1.0, s)
    return where(zero, 0.0, safe.sqrt() if p == 2 else safe ** (1.0 / p))


@in_float32  # float16 as PyTorch's: in float32, rounded once
def logsumexp(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over dim, computed without overflow by factoring out the maximum."""
    float_only("logsumexp", x)
    axes = norm_dims(dim, x.ndim, "logsumexp")
    from .binary import where

    m = Amax(axes, True)(x).detach()
    m = where(m.isinf(), 0.0, m)  # all -inf (or an inf) in a group: no shift
    out = Sum(axes, True)((x - m).exp()).log() + m
    return out if keepdim else reshape(out, tuple(n for i, n in enumerate(x.shape)
                                                   if i not in axes))


def amax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return Amax(norm_dims(dim, x.ndim, "amax"), keepdim)(x)


def amin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return Amin(norm_dims(dim, x.ndim, "amin"), keepdim)(x)


def argmax(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    if dim is None:
        return ArgMax(None)(x) if not keepdim else ArgMax(None)(x).reshape((1,) * x.ndim)
    return ArgMax(norm_dim(dim, x.ndim, "argmax"), keepdim)(x)


def argmin(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    if dim is None:
        return ArgMin(None)(x) if not keepdim else ArgMin(None)(x).reshape((1,) * x.ndim)
    return ArgMin(norm_dim(dim, x.ndim, "argmin"), keepdim)(x)


values_indices = namedtuple("values_indices", ["values", "indices"])


def _extreme_along(x: Tensor, dim, keepdim, pick, other, name: str):
    if isinstance(dim, Tensor):
        return other(x, dim)
    if dim is None:
        return (amax if pick is argmax else amin)(x)
    from .index import gather

    d = norm_dim(dim, x.ndim, name)
    if x.ndim == 0:  # a scalar is its own extreme, at index 0
        values, idx = _extreme_along(reshape(x, (1,)), 0, False, pick, other, name)
        return values_indices(values, idx)
    idx = pick(x, d, keepdim=True)
    values = gather(x, d, idx)  # the derivative goes to the returned index, as in PyTorch
    if not keepdim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    return values_indices(values, idx)


def max(x: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """max(x): the largest value; max(x, dim): (values, indices); max(x, other): maximum."""
    from .binary import maximum

    return _extreme_along(x, dim, keepdim, argmax, maximum, "max")


def min(x: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """min(x): the smallest value; min(x, dim): (values, indices); min(x, other): minimum."""
    from .binary import minimum

    return _extreme_along(x, dim, keepdim, argmin, minimum, "min")


def cumsum(x: Tensor, dim: int) -> Tensor:
    if not x.is_floating_point:
        x = x.to(dt.int64)
    return Cumsum(norm_dim(dim, x.ndim, "cumsum"))(x)


def any(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    return Any(norm_dims(dim, x.ndim, "any"), keepdim)(x)


def all(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    return All(norm_dims(dim, x.ndim, "all"), keepdim)(x)


def count_nonzero(x: Tensor, dim=None) -> Tensor:
    return sum(x != 0, dim)
