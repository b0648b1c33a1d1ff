"""Matrix products: matmul with batching and broadcasting (the `@` operator)."""
from __future__ import annotations

from dataclasses import dataclass

from ..backend import threads
from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ._convert import broadcast_shape, promote_args
from .autocast import lower_precision
from .batching import batch_leading
from .precision import float32_inside


@dataclass(frozen=True)
class MatMul(Primitive):
    """y = a @ b over matching batch dims;  da = g @ b^T, db = a^T @ g"""

    batch = batch_leading

    @float32_inside  # half widths in float32: NumPy multiplies bfloat16 into float32
    def forward(self, xp, a, b):
        return threads.matmul(xp, _blas_ready(xp, a), _blas_ready(xp, b))

    def vjp(self, g, y, a, b):
        ga = MatMul()(g, b.mT) if a.requires_grad else None
        gb = MatMul()(a.mT, g) if b.requires_grad else None
        return ga, gb

    def jvp(self, t, y, a, b):
        return MatMul()(t[0], b) + MatMul()(a, t[1])


def _blas_ready(xp, a):
    """a, copied if its matrices have a zero stride (a broadcast view): NumPy's matmul skips
    BLAS for those, which made e.g. the cotangent of .sum() about 8x slower to multiply."""
    return xp.ascontiguousarray(a) if 0 in a.strides[-2:] else a


@lower_precision  # under autocast, in its dtype (mm, bmm and @ too)
def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product with NumPy's rules: 1-D operands are vectors, leading dims broadcast."""
    if getattr(a, "is_sparse", False) or getattr(b, "is_sparse", False):
        return _sparse_product(a, b)
    a, b = promote_args("matmul", a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes "
                         f"{a.shape} and {b.shape}")
    va, vb = a.ndim == 1, b.ndim == 1
    if va:
        a = a.unsqueeze(0)
    if vb:
        b = b.unsqueeze(-1)
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align: "
                         f"{a.shape[-1]} (last dim of the first) != {b.shape[-2]} "
                         f"(second-to-last of the second)")
    batch = broadcast_shape("matmul", a.shape[:-2], b.shape[:-2])
    a = a.broadcast_to(batch + a.shape[-2:])
    b = b.broadcast_to(batch + b.shape[-2:])
    y = MatMul()(a, b)
    if va:
        y = y.squeeze(-2)
    if vb:
        y = y.squeeze(-1)
    return y


def _sparse_product(a, b) -> Tensor:
    """a @ b where one is a sparse tensor (wonderland.sparse, built on ops): its methods
    multiply, as torch.mm and torch.matmul take a sparse operand."""
    return a.__matmul__(b) if getattr(a, "is_sparse", False) else b.__rmatmul__(a)


def mm(a: Tensor, b: Tensor) -> Tensor:
    if getattr(a, "is_sparse", False) or getattr(b, "is_sparse", False):
        return _sparse_product(a, b)
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"mm: expects 2-D operands, got {a.shape} and {b.shape}")
    return matmul(a, b)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise ValueError(f"bmm: expects 3-D operands with one batch size, got {a.shape} "
                         f"and {b.shape}")
    return matmul(a, b)


def outer(a: Tensor, b: Tensor) -> Tensor:
    return a.unsqueeze(-1) * b


def dot(a: Tensor, b: Tensor) -> Tensor:
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"dot: expects 1-D operands, got {a.shape} and {b.shape}")
    return matmul.__wrapped__(a, b)  # autocast leaves dot alone, as PyTorch's
