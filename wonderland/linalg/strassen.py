"""Strassen's algorithm (1969): the product of two matrices split in 2 x 2 blocks from 7 block
products instead of 8, recursively, so n^log2(7) = n^2.807 multiplications instead of n^3. Below
`crossover` the BLAS product takes over: the extra additions (18 block sums a level) and the
poorer memory traffic make Strassen slower than a tuned product at small sizes, and each level
multiplies the rounding error by a constant (its error bound grows as n^log2(12), the classical
product's as n). A composite of ops, so it differentiates like any other."""
from __future__ import annotations

from ..core.tensor import Tensor
from ..ops import cat, pad

__all__ = ["strassen_matmul"]


def strassen_matmul(a: Tensor, b: Tensor, crossover: int = 512) -> Tensor:
    """a @ b for a (..., n, k) and b (..., k, m) (leading dimensions broadcast as in matmul) by
    Strassen's recursion down to blocks whose smallest side is at most `crossover`, which the
    BLAS product multiplies. Odd sides are padded with a zero row or column at each level."""
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)) or a.ndim < 2 or b.ndim < 2:
        raise ValueError(f"strassen_matmul: expected two tensors of at least 2 dimensions, got "
                         f"shapes {getattr(a, 'shape', type(a).__name__)} and "
                         f"{getattr(b, 'shape', type(b).__name__)}")
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"strassen_matmul: a is {tuple(a.shape)} and b is {tuple(b.shape)}: "
                         f"a's columns ({a.shape[-1]}) must equal b's rows ({b.shape[-2]})")
    if isinstance(crossover, bool) or not isinstance(crossover, int) or crossover < 1:
        raise ValueError(f"strassen_matmul: crossover must be a positive integer, got "
                         f"{crossover!r}")
    return _strassen(a, b, crossover)


def _even(x: Tensor) -> Tensor:
    """x with a zero row and/or column appended where its last two sides are odd."""
    rows, cols = x.shape[-2] % 2, x.shape[-1] % 2
    return pad(x, (0, cols, 0, rows)) if rows or cols else x


def _quarters(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    r, c = x.shape[-2] // 2, x.shape[-1] // 2
    return x[..., :r, :c], x[..., :r, c:], x[..., r:, :c], x[..., r:, c:]


def _strassen(a: Tensor, b: Tensor, crossover: int) -> Tensor:
    n, k, m = a.shape[-2], a.shape[-1], b.shape[-1]
    if min(n, k, m) <= crossover:
        return a @ b
    a11, a12, a21, a22 = _quarters(_even(a))
    b11, b12, b21, b22 = _quarters(_even(b))

    def mul(x: Tensor, y: Tensor) -> Tensor:
        return _strassen(x, y, crossover)

    m1 = mul(a11 + a22, b11 + b22)
    m2 = mul(a21 + a22, b11)
    m3 = mul(a11, b12 - b22)
    m4 = mul(a22, b21 - b11)
    m5 = mul(a11 + a12, b22)
    m6 = mul(a21 - a11, b11 + b12)
    m7 = mul(a12 - a22, b21 + b22)
    top = cat([m1 + m4 - m5 + m7, m3 + m5], -1)
    bottom = cat([m2 + m4, m1 - m2 + m3 + m6], -1)
    return cat([top, bottom], -2)[..., :n, :m]
