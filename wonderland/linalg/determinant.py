"""Determinants: slogdet's two parts as primitives (the sign has no derivative), and det and
logdet built from them, as torch.linalg.det / slogdet and torch.logdet."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.tensor import Tensor
from ..ops.batching import batch_leading
from ..ops.binary import where
from ..ops.einsum import einsum
from .errors import _Lapack, check_matrix
from .solve import Solve, inv


@dataclass(frozen=True)
class LogAbsDet(_Lapack):
    """y = log|det A|;  gA = g A^-T;  dy = trace(A^-1 dA)"""

    batch = batch_leading

    def forward(self, xp, a):
        return xp.linalg.slogdet(a)[1]

    def vjp(self, g, y, a):
        return (g.unsqueeze(-1).unsqueeze(-1) * inv(a).mT,)

    def jvp(self, t, y, a):
        return einsum("...ii->...", Solve()(a, t[0]))


@dataclass(frozen=True)
class SignDet(_Lapack):
    """y = sign(det A): -1, 0 or 1 (no derivative)"""

    differentiable = False
    batch = batch_leading

    def forward(self, xp, a):
        return xp.linalg.slogdet(a)[0]


def slogdet(A: Tensor) -> tuple[Tensor, Tensor]:
    """(sign, log|det A|) of square (batches of) matrices: det = sign * exp(logabsdet) without
    overflow; a singular A gives (0, -inf)."""
    check_matrix("slogdet", A, square=True)
    return SignDet()(A), LogAbsDet()(A)


def det(A: Tensor) -> Tensor:
    """det A of square (batches of) matrices, as sign * exp(log|det A|). Its gradient,
    det A * A^-T, is nan at a singular A (PyTorch's adjugate there is not implemented)."""
    check_matrix("det", A, square=True)
    return SignDet()(A) * LogAbsDet()(A).exp()


def logdet(A: Tensor) -> Tensor:
    """log det A: nan where det A < 0 and -inf where it is 0, as torch.logdet."""
    check_matrix("logdet", A, square=True)
    sign, logabs = SignDet()(A), LogAbsDet()(A)
    return where(sign < 0, float("nan"), logabs)
