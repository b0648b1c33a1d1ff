"""cholesky: A = L L^T for symmetric positive definite A (its lower triangle is read), as a
primitive whose rules use solves with L."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.tensor import Tensor
from ..ops.batching import batch_leading
from ..ops.index import tril
from .errors import _Lapack, check_matrix, lapack_call
from .solve import Solve


def phi(x: Tensor) -> Tensor:
    """The lower triangle of x with its diagonal halved."""
    return tril(x, -1) + tril(x).triu() * 0.5


@dataclass(frozen=True)
class Cholesky(_Lapack):
    """L = chol(A);  gA = sym(L^-T phi(L^T gL) L^-1);  dL = L phi(L^-1 sym(dA) L^-T)"""

    batch = batch_leading

    def forward(self, xp, a):
        return lapack_call("cholesky", xp.linalg.cholesky, a, what="not positive definite")

    def vjp(self, g, y, a):
        inner = Solve()(y.mT, phi(y.mT @ g))  # L^-T phi(L^T gL)
        ga = Solve()(y.mT, inner.mT).mT  # ... L^-1
        return ((ga + ga.mT) * 0.5,)

    def jvp(self, t, y, a):
        da = (t[0] + t[0].mT) * 0.5
        x = Solve()(y, Solve()(y, da).mT).mT  # L^-1 dA L^-T
        return y @ phi(x)


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """L (lower triangular, positive diagonal) with A = L L^T, or U = L^T with upper=True; A
    not positive definite raises LinAlgError."""
    check_matrix("cholesky", A, square=True)
    L = Cholesky()(A)
    return L.mT if upper else L
