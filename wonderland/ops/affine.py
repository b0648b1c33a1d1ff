"""The affine map of a linear layer as one primitive: y = x W^T + b over any leading dims.

As a composite (x @ W.T + b) the weight is broadcast over the leading dimensions, so NumPy runs
one small GEMM per leading index and the weight's gradient is a stack of them summed afterwards;
here the leading dimensions are folded into one matrix, so each product is a single GEMM, and
the bias is added into the product's own fresh array."""
from __future__ import annotations

from dataclasses import dataclass

from ..backend import threads
from ..core.primitive import Primitive
from ..core.tensor import Tensor
from .batching import all_to_front, batch_size, to_front
from .precision import float32_inside


@dataclass(frozen=True)
class Affine(Primitive):
    """y = x W^T (+ b) for x (..., in), W (out, in), b (out,);  dx = g W, dW = g^T x, db = sum g"""

    @float32_inside  # half widths in float32: NumPy multiplies bfloat16 into float32
    def forward(self, xp, x, w, b=None):
        y = threads.matmul(xp, x.reshape(-1, x.shape[-1]), w.T)
        if b is not None:
            y += b  # y is the product's own new array: adding in place is safe
        return y.reshape(x.shape[:-1] + (w.shape[0],))

    def vjp(self, g, y, x, w, b=None):
        gx = Affine()(g, w.mT) if x.requires_grad else None
        gw = gb = None
        if w.requires_grad or (b is not None and b.requires_grad):
            rows = g.reshape(-1, g.shape[-1])
            gw = rows.mT @ x.reshape(-1, x.shape[-1]) if w.requires_grad else None
            gb = rows.sum(0) if b is not None and b.requires_grad else None
        return (gx, gw) if b is None else (gx, gw, gb)

    def jvp(self, t, y, x, w, b=None):
        out = Affine()(t[0], w) + Affine()(x, t[1])
        return out if b is None else out + t[2]

    def batch(self, xs, bdims):
        if all(d is None for d in bdims[1:]):  # only x is batched: one more leading dimension
            return self(to_front(xs[0], bdims[0], batch_size(xs, bdims)), *xs[1:]), 0
        # per-example weights: a batched matrix product, example by example
        x, w, *b = all_to_front(xs, bdims)
        rows = x.reshape(x.shape[0], -1, x.shape[-1])
        y = (rows @ w.mT).reshape(x.shape[:-1] + (w.shape[1],))
        if b:
            y = y + b[0].reshape((b[0].shape[0],) + (1,) * (y.ndim - 2) + (b[0].shape[1],))
        return y, 0


def affine(x: Tensor, w: Tensor, b: Tensor | None = None) -> Tensor:
    """x W^T + b through the fused primitive (no checks: linear() makes them)."""
    return Affine()(x, w) if b is None else Affine()(x, w, b)
