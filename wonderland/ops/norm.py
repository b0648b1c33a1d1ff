"""Standardisation as one primitive, the core of layer, group, instance and batch norm.

y = (x - mean) / sqrt(var + eps) over some axes (biased variance). Its Jacobian
r (I - 1/n - y y^T / n), with r = 1 / sqrt(var + eps), is symmetric, so one backward
primitive serves both modes. As a composite it is eight primitives forward and about twenty
backward; the statistics are recomputed from x in the backward rather than stored."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from ..core.primitive import Primitive
from ..core.tensor import Tensor
from .batching import all_to_front
from .precision import float32_inside


def _batch(prim, xs, bdims):
    """vmap: every input's batch dimension first, the normalised axes shifted by one."""
    return dataclasses.replace(prim, axes=tuple(a + 1 for a in prim.axes))(
        *all_to_front(xs, bdims)), 0


def _centred(xp, x, axes):
    """x - mean(x) over axes, corrected by the mean of that difference (the corrected two-pass
    algorithm): more accurate, and a constant row centres to exact zeros, where the plain mean
    can be an ulp off and a row of 1e30 would standardise to +-1."""
    out = x - xp.mean(x, axis=axes, keepdims=True)
    out -= xp.mean(out, axis=axes, keepdims=True)
    return out


def _rstd(xp, x, axes, eps):
    """(x - mean, 1 / sqrt(var + eps)) over axes, kept dims."""
    centred = _centred(xp, x, axes)
    var = xp.mean(xp.square(centred), axis=axes, keepdims=True)
    var += eps
    return centred, 1.0 / xp.sqrt(var)


def _stats(x: Tensor, axes: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor]:
    """The same two as tensors, with ops (for the second-order rules)."""
    centred = x - x.mean(axes, keepdim=True)
    return centred, ((centred * centred).mean(axes, keepdim=True) + eps).rsqrt()


@dataclass(frozen=True)
class Standardize(Primitive):
    """y = (x - mean(x)) r, r = (var(x) + eps)^-1/2 over axes;
    dy = r (dx - mean(dx) - y mean(y dx))"""

    batch = _batch

    axes: tuple[int, ...]
    eps: float

    @float32_inside
    def forward(self, xp, x):
        centred, rstd = _rstd(xp, x, self.axes, self.eps)
        centred *= rstd
        return centred

    def vjp(self, g, y, x):
        return (StandardizeGrad(self.axes, self.eps)(g, y, x),)

    def jvp(self, t, y, x):
        return StandardizeGrad(self.axes, self.eps)(t[0], y, x)


@dataclass(frozen=True)
class StandardizeGrad(Primitive):
    """out = r(x) (g - mean(g) - y mean(g y)) over axes: Standardize's symmetric Jacobian
    applied to g, with y standing for Standardize(x)"""

    batch = _batch

    axes: tuple[int, ...]
    eps: float

    @float32_inside
    def forward(self, xp, g, y, x):
        # one scratch array serves the variance of x and then the result
        out = _centred(xp, x, self.axes)
        out *= out
        rstd = 1.0 / xp.sqrt(xp.mean(out, axis=self.axes, keepdims=True) + self.eps)
        xp.multiply(g, y, out=out)
        mean_gy = xp.mean(out, axis=self.axes, keepdims=True)
        xp.multiply(y, mean_gy, out=out)
        xp.subtract(g, out, out=out)
        out -= xp.mean(g, axis=self.axes, keepdims=True)
        out *= rstd
        return out

    def _mean(self, t: Tensor) -> Tensor:
        return t.mean(self.axes, keepdim=True)

    def vjp(self, h, out, g, y, x):
        centred, rstd = _stats(x, self.axes, self.eps)
        gg = StandardizeGrad(self.axes, self.eps)(h, y, x) if g.requires_grad else None
        gy = None
        if y.requires_grad:
            gy = -rstd * (h * self._mean(g * y) + g * self._mean(h * y))
        gx = -(rstd * rstd) * centred * self._mean(h * out) if x.requires_grad else None
        return gg, gy, gx

    def jvp(self, t, out, g, y, x):
        centred, rstd = _stats(x, self.axes, self.eps)
        tg, ty, tx = t
        return (StandardizeGrad(self.axes, self.eps)(tg, y, x)
                - rstd * (ty * self._mean(g * y) + y * self._mean(g * ty))
                - (rstd * rstd) * out * self._mean(centred * tx))


def standardize(x: Tensor, axes: tuple[int, ...], eps: float) -> Tensor:
    """(x - mean) / sqrt(var + eps) over axes (non-negative, sorted), biased variance."""
    if not x.is_floating_point:
        raise TypeError(f"standardize: expected a floating point tensor, got {x.dtype.name}")
    if math.prod(x.shape[a] for a in axes) == 0:
        return x - x  # the output is empty too (and NumPy would warn of an empty mean)
    return Standardize(tuple(axes), float(eps))(x)
