"""Determinants as primitives: det (its derivative, the cofactor matrix, through the SVD, so
that it holds at singular matrices too, as PyTorch's) and slogdet's two parts (the sign has no
derivative); logdet from those, as torch.linalg.det / slogdet and torch.logdet."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.tensor import Tensor
from ..ops.batching import batch_leading
from ..ops.binary import where
from ..ops.creation import eye
from ..ops.einsum import einsum
from ..ops.reduce import prod
from .errors import _Lapack, check_matrix
from .solve import Solve, inv


def cofactor(a: Tensor) -> Tensor:
    """The cofactor matrix (the adjugate's transpose, det A * A^-T where A is invertible), from
    A = U diag(s) Vh: det(U) det(Vh) U diag(prod of the s_j but s_i) Vh, which needs no inverse
    and so holds at singular A."""
    from .svd import svd

    u, s, vh = svd(a, full_matrices=False)
    sign = SignDet()(u) * SignDet()(vh)  # +-1, constant
    n = s.shape[-1]
    others = where(eye(n, dtype=s.dtype, device=s.device) != 0, 1.0,
                   s.unsqueeze(-2).broadcast_to(s.shape + (n,)))  # row i: s with s_i -> 1
    return sign.unsqueeze(-1).unsqueeze(-1) * ((u * prod(others, -1).unsqueeze(-2)) @ vh)


@dataclass(frozen=True)
class Det(_Lapack):
    """y = det A;  gA = g cof(A);  dy = <cof(A), dA>  (cof: the cofactor matrix)"""

    batch = batch_leading

    def forward(self, xp, a):
        return xp.linalg.det(a)

    def vjp(self, g, y, a):
        return (g.unsqueeze(-1).unsqueeze(-1) * cofactor(a),)

    def jvp(self, t, y, a):
        return (cofactor(a) * t[0]).sum((-2, -1))


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
    """det A of square (batches of) matrices; its gradient is the cofactor matrix, at singular
    A too."""
    check_matrix("det", A, square=True)
    return Det()(A)


def logdet(A: Tensor) -> Tensor:
    """log det A: nan where det A < 0 and -inf where it is 0, as torch.logdet."""
    check_matrix("logdet", A, square=True)
    sign, logabs = SignDet()(A), LogAbsDet()(A)
    return where(sign < 0, float("nan"), logabs)
