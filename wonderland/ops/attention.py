"""Attention's softmax as one primitive: softmax(scale x + mask) over the last axis, the causal
and boolean masks applied inside, and its backward.

As a composite (scale, mask, max, shift, exp, sum, divide) it is about a dozen primitives each
way over the (..., L, S) scores. Softmax's Jacobian diag(y) - y y^T is symmetric, so one backward
primitive, SoftmaxGrad, serves both modes."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.primitive import Primitive
from ..core.tensor import Tensor
from .batching import batch_leading
from .precision import float32_inside


def _causal_bias(xp, rows: int, cols: int, dtype):
    """0 where column <= row, -inf above the diagonal (top-left aligned, as torch)."""
    return xp.where(xp.tri(rows, cols, dtype=bool), 0.0, -xp.inf).astype(dtype)


@dataclass(frozen=True)
class MaskedSoftmax(Primitive):
    """y = softmax(scale x + m) over the last axis: a float mask m is added, a bool mask keeps
    its True positions, causal keeps column <= row; a row left empty gives zeros;
    dy = scale SoftmaxGrad(dx) (+ SoftmaxGrad(dm))"""

    batch = batch_leading

    scale: float = 1.0
    causal: bool = False

    @float32_inside  # float16 in float32, rounded once
    def forward(self, xp, x, mask=None):
        s = x * self.scale if self.scale != 1.0 else x.copy()
        if self.causal:
            s += _causal_bias(xp, s.shape[-2], s.shape[-1], s.dtype)
        if mask is not None:
            if mask.dtype == bool:
                s = xp.where(mask, s, -xp.inf).astype(s.dtype, copy=False)
            else:
                s += mask
        top = s.max(axis=-1, keepdims=True)
        top[xp.isinf(top)] = 0.0  # an empty row (all -inf) stays -inf, then exp gives zeros
        s -= top
        xp.exp(s, out=s)
        total = s.sum(axis=-1, keepdims=True)
        total[total == 0] = 1.0
        s *= xp.reciprocal(total)
        return s

    def _float_mask(self, mask) -> bool:
        return mask is not None and mask.is_floating_point

    def vjp(self, g, y, x, mask=None):
        gx = SoftmaxGrad(self.scale)(g, y) if x.requires_grad else None
        if mask is None:
            return (gx,)
        grad_mask = self._float_mask(mask) and mask.requires_grad
        return gx, (SoftmaxGrad()(g, y) if grad_mask else None)

    def jvp(self, t, y, x, mask=None):
        out = SoftmaxGrad(self.scale)(t[0], y)
        if self._float_mask(mask):
            out = out + SoftmaxGrad()(t[1], y)
        return out


@dataclass(frozen=True)
class SoftmaxGrad(Primitive):
    """out = scale y (g - sum(g y)) over the last axis: softmax's symmetric Jacobian at y,
    scaled, applied to g"""

    batch = batch_leading

    scale: float = 1.0

    @float32_inside
    def forward(self, xp, g, y):
        out = g * y
        total = out.sum(axis=-1, keepdims=True)
        xp.subtract(g, total, out=out)
        out *= y
        if self.scale != 1.0:
            out *= self.scale
        return out

    def _sum(self, t: Tensor) -> Tensor:
        return t.sum(-1, keepdim=True)

    def vjp(self, h, out, g, y):
        gg = SoftmaxGrad(self.scale)(h, y) if g.requires_grad else None
        gy = None
        if y.requires_grad:
            gy = (h * (g - self._sum(g * y)) - g * self._sum(h * y)) * self.scale
        return gg, gy

    def jvp(self, t, out, g, y):
        tg, ty = t
        return (SoftmaxGrad(self.scale)(tg, y)
                + (ty * (g - self._sum(g * y)) - y * self._sum(g * ty)) * self.scale)


def masked_softmax(x: Tensor, mask: Tensor | None = None, scale: float = 1.0,
                   causal: bool = False) -> Tensor:
    """softmax(scale x + mask) over the last dim; mask (bool: True takes part; float: added)
    broadcasts to x; causal leaves out the columns after each row's own index."""
    if mask is None:
        return MaskedSoftmax(float(scale), causal)(x)
    if mask.is_floating_point:
        mask = mask.to(x.dtype)
    return MaskedSoftmax(float(scale), causal)(x, mask.broadcast_to(x.shape))
