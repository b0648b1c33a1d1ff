"""svd and svdvals: A = U diag(S) Vh, as a primitive returning the three factors packed
(pack.py); derivatives of the reduced factorisation, with PyTorch's formulas."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.tensor import Tensor
from ..ops.batching import batch_leading
from ..ops.binary import where
from ..ops.creation import eye
from ..ops.einsum import einsum
from ..ops.pad import pad
from .eigh import gaps
from .errors import _Lapack, check_matrix, lapack_call
from .pack import pack, pack_arrays, unpack


@dataclass(frozen=True)
class SVD(_Lapack):
    """(U, S, Vh) = svd(A), packed;  with F = gaps(S^2), skew(X) = X - X^T:
    gA = U (diag(gS) + F o (skew(U^T gU) S + S skew(V^T gV))) Vh
         + (I - U U^T) gU S^-1 Vh [tall A] + U S^-1 gVh (I - V Vh) [wide A]
    (the full factors' extra vectors take no part: PyTorch's choice)"""

    full_matrices: bool = False
    batch = batch_leading

    def forward(self, xp, a):
        u, s, vh = lapack_call("svd", xp.linalg.svd, a, self.full_matrices,
                               what="one whose SVD did not converge")
        return pack_arrays(xp, a.shape[:-2], u, s, vh)

    def shapes(self, a):
        m, n = a.shape[-2:]
        k = min(m, n)
        if self.full_matrices:
            return (m, m), (k,), (n, n)
        return (m, k), (k,), (k, n)

    def factors(self, y, a) -> list[Tensor]:
        return unpack(y, self.shapes(a))

    def _reduced(self, y, a) -> list[Tensor]:
        """The reduced factors (U's and Vh's first k vectors). The extra vectors of the full
        U and Vh of a non-square A are not unique: as PyTorch, no derivative goes through
        them (their cotangent is dropped, their tangent is 0)."""
        u, s, vh = self.factors(y, a)
        k = s.shape[-1]
        return [u[..., :k], s, vh[..., :k, :]] if self.full_matrices else [u, s, vh]

    def vjp(self, g, y, a):
        u, s, vh = self._reduced(y, a)
        gu, gs, gvh = self._reduced(g, a)
        utgu, vtgv = u.mT @ gu, vh @ gvh.mT
        inner = gaps(s * s) * ((utgu - utgu.mT) * s.unsqueeze(-2)
                               + s.unsqueeze(-1) * (vtgv - vtgv.mT))
        inner = inner + gs.unsqueeze(-1) * _eye(s)
        ga = u @ inner @ vh
        m, n = a.shape[-2:]
        inv_s = _reciprocal(s)
        if m > s.shape[-1]:  # U's columns do not span: the part of gU outside them
            ga = ga + (gu - u @ utgu) * inv_s.unsqueeze(-2) @ vh  # (I - U U^T) gU S^-1 Vh
        if n > s.shape[-1]:
            ga = ga + u @ ((gvh - vtgv.mT @ vh) * inv_s.unsqueeze(-1))  # U S^-1 gVh (I - V Vh)
        return (ga,)

    def jvp(self, t, y, a):
        u, s, vh = self._reduced(y, a)
        da = t[0]
        p = u.mT @ da @ vh.mT
        f = gaps(s * s)
        wu = f * (p * s.unsqueeze(-2) + s.unsqueeze(-1) * p.mT)  # U^T dU
        wv = f * (s.unsqueeze(-1) * p + p.mT * s.unsqueeze(-2))  # V^T dV
        du, dv = u @ wu, vh.mT @ wv
        m, n = a.shape[-2:]
        inv_s = _reciprocal(s).unsqueeze(-2)
        if m > s.shape[-1]:  # U moves out of its span too
            du = du + (da @ vh.mT - u @ p) * inv_s
        if n > s.shape[-1]:
            dv = dv + (da.mT @ u - vh.mT @ p.mT) * inv_s
        dvh = dv.mT
        if self.full_matrices:  # the extra vectors: tangent 0
            du = pad(du, (0, m - s.shape[-1]))
            dvh = pad(dvh, (0, 0, 0, n - s.shape[-1]))
        return pack(a.shape[:-2], du, einsum("...ii->...i", p), dvh)


def _reciprocal(s: Tensor) -> Tensor:
    """1 / s, and 0 where s = 0: the vectors of a zero singular value have no derivative, but
    the values do (gaps() explains the same choice at ties)."""
    zero = s == 0
    return where(zero, 0.0, 1.0 / where(zero, 1.0, s))


def _eye(s: Tensor) -> Tensor:
    return eye(s.shape[-1], dtype=s.dtype, device=s.device)


def svd(A: Tensor, full_matrices: bool = True) -> tuple[Tensor, Tensor, Tensor]:
    """(U, S, Vh) with A = U diag(S) Vh, S descending; full_matrices=True (PyTorch's default)
    gives square U and Vh, False the reduced ones (k = min(m, n) columns)."""
    check_matrix("svd", A)
    prim = SVD(bool(full_matrices) and A.shape[-1] != A.shape[-2])
    return tuple(prim.factors(prim(A), A))


def svdvals(A: Tensor) -> Tensor:
    """The singular values of A, descending."""
    check_matrix("svdvals", A)
    prim = SVD(False)
    return prim.factors(prim(A), A)[1]
