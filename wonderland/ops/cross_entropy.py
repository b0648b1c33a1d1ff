"""Softmax cross-entropy against class indices as one primitive, and its gradient as another;
binary cross-entropy on probabilities as a primitive with PyTorch's gradient rule.

The composite (log_softmax, gather, masks, mean) runs about twenty primitives forward and as many
backward; fused, the forward is one pass of NumPy and the gradient the closed form
g (softmax(x) - onehot(t)). The gradient primitive's own rules are written with ops, so the loss
can still be differentiated to any order."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..core.primitive import Primitive
from ..core.tensor import Tensor
from .batching import all_to_front, batch_elementwise
from .precision import float32_inside


def _keep(xp, target, ignore_index: int):
    """Which rows count, and the targets with the ignored ones replaced by a valid class."""
    keep = target != ignore_index
    return keep, xp.where(keep, target, 0)


@dataclass(frozen=True)
class SoftmaxCrossEntropy(Primitive):
    """l_i = logsumexp(x_i) - x_i[t_i] for rows with t_i != ignore_index (0 for the others),
    then summed, averaged over the counted rows, or kept;  dl_i = (softmax(x_i) - e_{t_i}) dx_i"""

    ignore_index: int = -100
    reduction: str = "mean"

    @float32_inside  # float16 in float32, rounded once (so a mean of many rows stays finite)
    def forward(self, xp, x, target):
        keep, safe = _keep(xp, target, self.ignore_index)
        top = x.max(axis=-1, keepdims=True)
        top = xp.where(xp.isfinite(top), top, 0)  # an all -inf row: no shift (as logsumexp)
        z = x - top
        lse = xp.log(xp.exp(z).sum(axis=-1))
        picked = xp.take_along_axis(z, safe[..., None], axis=-1)[..., 0]
        loss = xp.where(keep, lse - picked, 0).astype(x.dtype, copy=False)
        if self.reduction == "none":
            return loss
        total = loss.sum()
        if self.reduction == "sum":
            return total
        with np.errstate(invalid="ignore"):  # only ignored rows: 0 / 0 = nan, as in PyTorch
            return total / keep.sum(dtype=x.dtype)

    def _reduce(self, per_row: Tensor, target: Tensor) -> Tensor:
        """Per-row values reduced as the loss is (the derivative of a sum is a sum)."""
        if self.reduction == "none":
            return per_row
        total = per_row.sum()
        return total if self.reduction == "sum" else total / _count(target, self.ignore_index,
                                                                    per_row)

    def vjp(self, g, y, x, target):
        if self.reduction == "none":
            coef = g
        else:
            scale = g if self.reduction == "sum" else g / _count(target, self.ignore_index, g)
            coef = scale.broadcast_to(target.shape)
        return CrossEntropyGrad(self.ignore_index)(coef, x, target), None

    def jvp(self, t, y, x, target):
        ones = _ones_like_rows(x, target)
        per_row = (CrossEntropyGrad(self.ignore_index)(ones, x, target) * t[0]).sum(-1)
        return self._reduce(per_row, target)

    def batch(self, xs, bdims):
        x, target = all_to_front(xs, bdims)
        per_row = replace(self, reduction="none")(x, target)
        if self.reduction == "none":
            return per_row, 0
        dims = tuple(range(1, per_row.ndim))
        total = per_row.sum(dims)
        if self.reduction == "sum":
            return total, 0
        return total / (target != self.ignore_index).to(x.dtype).sum(dims), 0


@dataclass(frozen=True)
class CrossEntropyGrad(Primitive):
    """dx_i = c_i (softmax(x_i) - e_{t_i}) for rows with t_i != ignore_index (0 for the others),
    the gradient of softmax cross-entropy scaled per row by c"""

    ignore_index: int = -100

    @float32_inside
    def forward(self, xp, c, x, target):
        keep, safe = _keep(xp, target, self.ignore_index)
        z = xp.exp(x - x.max(axis=-1, keepdims=True))
        z /= z.sum(axis=-1, keepdims=True)
        xp.put_along_axis(z, safe[..., None],
                          xp.take_along_axis(z, safe[..., None], axis=-1) - 1, axis=-1)
        z *= xp.where(keep, c, 0).astype(x.dtype, copy=False)[..., None]
        return z

    def _parts(self, c, x, target):
        """softmax(x), softmax - onehot, and c with the ignored rows zeroed (column-shaped)."""
        from .binary import where
        from .index import one_hot

        keep = target != self.ignore_index
        p = (x - x.logsumexp(-1, keepdim=True)).exp()
        diff = p - one_hot(where(keep, target, 0), x.shape[-1]).to(x.dtype)
        return p, diff, (c * keep.to(c.dtype)).unsqueeze(-1)

    def vjp(self, g, y, c, x, target):
        p, diff, kc = self._parts(c, x, target)
        gc = (g * diff).sum(-1) * (target != self.ignore_index).to(g.dtype)
        return gc, kc * _softmax_jvp(p, g), None

    def jvp(self, t, y, c, x, target):
        p, diff, kc = self._parts(c, x, target)
        keep = (target != self.ignore_index).to(x.dtype).unsqueeze(-1)
        return (t[0].unsqueeze(-1) * keep) * diff + kc * _softmax_jvp(p, t[1])

    def batch(self, xs, bdims):
        return self(*all_to_front(xs, bdims)), 0


def _softmax_jvp(p: Tensor, v: Tensor) -> Tensor:
    """The derivative of softmax along the last dim applied to v: p v - p (p . v) (symmetric,
    so it serves as the vjp too)."""
    pv = p * v
    return pv - p * pv.sum(-1, keepdim=True)


def _count(target: Tensor, ignore_index: int, like: Tensor) -> Tensor:
    return (target != ignore_index).to(like.dtype).sum()


def _ones_like_rows(x: Tensor, target: Tensor) -> Tensor:
    from .creation import ones

    return ones(target.shape, dtype=x.dtype, device=x.device)


def softmax_cross_entropy(x: Tensor, target: Tensor, ignore_index: int = -100,
                          reduction: str = "mean") -> Tensor:
    """Cross-entropy of logits x (..., C) at integer targets (...) (no checks: the caller's)."""
    return SoftmaxCrossEntropy(ignore_index, reduction)(x, target)


# --- binary cross-entropy on probabilities ----------------------------------------------------
_LOG_FLOOR = -100.0  # PyTorch clamps each log here, so p = 0 or 1 gives a finite loss
_SLOPE_FLOOR = 1e-12  # ... and divides the gradient by max(p (1 - p), this)


def clamped_log(p: Tensor) -> Tensor:
    """max(log p, -100), never evaluating log(0) (so neither a warning nor a nan slope)."""
    from .binary import where

    pos = p > 0
    return where(pos, where(pos, p, 1.0).log(), _LOG_FLOOR).clip(min=_LOG_FLOOR)


def _clamped_log_array(xp, q):
    return xp.where(q > 0, xp.maximum(xp.log(xp.where(q > 0, q, 1)), _LOG_FLOOR), _LOG_FLOOR)


@dataclass(frozen=True)
class BinaryCrossEntropy(Primitive):
    """l = -(t max(log p, -100) + (1 - t) max(log(1 - p), -100)) elementwise;
    dl = (p - t) / max(p (1 - p), 1e-12) dp + (max(log(1 - p), -100) - max(log p, -100)) dt.
    The p-slope is PyTorch's: where a log is clamped (p near 0 with t = 1) it stays large, so a
    model stuck at the wrong answer still gets a gradient out of it."""

    batch = batch_elementwise

    @float32_inside
    def forward(self, xp, p, t):
        return -(t * _clamped_log_array(xp, p) + (1 - t) * _clamped_log_array(xp, 1 - p))

    def _slopes(self, p: Tensor, t: Tensor) -> tuple[Tensor, Tensor]:
        return ((p - t) / (p * (1 - p)).clip(min=_SLOPE_FLOOR),
                clamped_log(1 - p) - clamped_log(p))

    def vjp(self, g, y, p, t):
        dp, dt = self._slopes(p, t)
        return g * dp, g * dt

    def jvp(self, tangents, y, p, t):
        dp, dt = self._slopes(p, t)
        return tangents[0] * dp + tangents[1] * dt
