"""Convolution as three fused primitives, each the others' derivative: Conv (y = w * x + b),
ConvWeightGrad (the weight's cotangent from x and g) and ConvInputGrad (the input's cotangent
from w and g, i.e. the transposed convolution). Their forwards are the im2col kernels of
conv_kernels; their rules call one another, so every order of derivative stays fused.

Shared fields: stride and dilation per spatial dimension, pads as (before, after) zero padding
per spatial dimension (negative crops), groups. Layouts: x (N, C, *size), w (O, C/groups,
*kernel), g and y (N, O, *out)."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.primitive import Primitive
from ..core.tensor import Tensor
from . import conv_kernels as kernels
from .batching import batch_size, to_front
from .precision import float32_inside


@dataclass(frozen=True)
class _ConvGeometry(Primitive):
    stride: tuple[int, ...]
    pads: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]
    groups: int

    @property
    def geometry(self) -> tuple:
        return self.stride, self.pads, self.dilation, self.groups

    def regrouped(self, times: int):
        """The same primitive with `times` independent problems folded into the groups."""
        return type(self)(**{**self.__dict__, "groups": self.groups * times})


def _fold_batch(t: Tensor) -> Tensor:
    """(B, N, ...) -> (B*N, ...)"""
    return t.reshape((t.shape[0] * t.shape[1],) + t.shape[2:])


def _fold_channels(t: Tensor) -> Tensor:
    """(B, N, C, ...) -> (N, B*C, ...): B independent problems as B groups of channels."""
    t = t.movedim(0, 1)
    return t.reshape((t.shape[0], t.shape[1] * t.shape[2]) + t.shape[3:])


def _unfold_channels(t: Tensor, b: int) -> Tensor:
    """(N, B*C, ...) -> (N, B, C, ...), whose batch dimension is 1."""
    return t.reshape((t.shape[0], b, t.shape[1] // b) + t.shape[2:])


@dataclass(frozen=True)
class Conv(_ConvGeometry):
    """y[n, o, i] = sum_{c, k} w[o, c, k] pad(x)[n, group(o) c, stride i + dilation k] (+ b[o]);
    dx = ConvInputGrad(w, g), dw = ConvWeightGrad(x, g), db = sum of g over n and i"""

    @float32_inside  # float16 sums its taps in float32, as PyTorch's
    def forward(self, xp, x, w, *b):
        return kernels.conv_forward(xp, x, w, b[0] if b else None, *self.geometry)

    def vjp(self, g, y, x, w, *b):
        gx = ConvInputGrad(*self.geometry, x.shape[2:])(w, g) if x.requires_grad else None
        gw = ConvWeightGrad(*self.geometry, w.shape[2:])(x, g) if w.requires_grad else None
        if not b:
            return gx, gw
        gb = g.sum(dim=(0,) + tuple(range(2, g.ndim))) if b[0].requires_grad else None
        return gx, gw, gb

    def jvp(self, t, y, x, w, *b):
        return self(t[0], w, *t[2:]) + self(x, t[1])

    def batch(self, xs, bdims):
        n = batch_size(xs, bdims)
        if all(d is None for d in bdims[1:]):  # shared weights: the batch joins the examples
            x = _fold_batch(to_front(xs[0], bdims[0], n))
            y = self(x, *xs[1:])
            return y.reshape((n, y.shape[0] // n) + y.shape[1:]), 0
        x, w, *b = (to_front(t, d, n) for t, d in zip(xs, bdims))
        b = [v.reshape(-1) for v in b]
        y = self.regrouped(n)(_fold_channels(x), _fold_batch(w), *b)
        return _unfold_channels(y, n), 1


@dataclass(frozen=True)
class ConvWeightGrad(_ConvGeometry):
    """dw[o, c, k] = sum_{n, i} g[n, o, i] pad(x)[n, group(o) c, stride i + dilation k];
    with cotangent h: dx = ConvInputGrad(h, g), dg = Conv(x, h)"""

    kernel: tuple[int, ...] = ()

    @float32_inside
    def forward(self, xp, x, g):
        return kernels.conv_weight_grad(xp, x, g, self.kernel, *self.geometry)

    def vjp(self, h, dw, x, g):
        gx = ConvInputGrad(*self.geometry, x.shape[2:])(h, g) if x.requires_grad else None
        gg = Conv(*self.geometry)(x, h) if g.requires_grad else None
        return gx, gg

    def jvp(self, t, dw, x, g):
        return self(t[0], g) + self(x, t[1])

    def batch(self, xs, bdims):
        n = batch_size(xs, bdims)
        x, g = (_fold_channels(to_front(t, d, n)) for t, d in zip(xs, bdims))
        dw = self.regrouped(n)(x, g)
        return dw.reshape((n, dw.shape[0] // n) + dw.shape[1:]), 0


@dataclass(frozen=True)
class ConvInputGrad(_ConvGeometry):
    """dx = the adjoint of Conv in x: dx[n, group(o) c, stride i + dilation k - pad] +=
    w[o, c, k] g[n, o, i] (the transposed convolution); with cotangent h:
    dw = ConvWeightGrad(h, g), dg = Conv(h, w)"""

    size: tuple[int, ...] = ()

    @float32_inside
    def forward(self, xp, w, g):
        return kernels.conv_input_grad(xp, w, g, self.size, *self.geometry)

    def vjp(self, h, dx, w, g):
        gw = ConvWeightGrad(*self.geometry, w.shape[2:])(h, g) if w.requires_grad else None
        gg = Conv(*self.geometry)(h, w) if g.requires_grad else None
        return gw, gg

    def jvp(self, t, dx, w, g):
        return self(t[0], g) + self(w, t[1])

    def batch(self, xs, bdims):
        n = batch_size(xs, bdims)
        if bdims[0] is None:  # shared weights: the batch joins the examples
            g = _fold_batch(to_front(xs[1], bdims[1], n))
            dx = self(xs[0], g)
            return dx.reshape((n, dx.shape[0] // n) + dx.shape[1:]), 0
        w, g = (to_front(t, d, n) for t, d in zip(xs, bdims))
        dx = self.regrouped(n)(_fold_batch(w), _fold_channels(g))
        return _unfold_channels(dx, n), 1
