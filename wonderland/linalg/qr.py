"""qr: A = Q R (Householder, through LAPACK), as a primitive returning both factors packed
(pack.py); derivatives for the reduced factorisation of tall or square A, as PyTorch's."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.tensor import Tensor
from ..ops.batching import batch_leading
from ..ops.creation import zeros
from ..ops.index import tril
from .errors import _Lapack, check_matrix
from .pack import pack, pack_arrays, unpack
from .solve import Solve


@dataclass(frozen=True)
class QR(_Lapack):
    """(Q, R) = qr(A), packed;  gA = (gQ + Q copyltu(R gR^T - gQ^T Q)) R^-T;
    dR = (C - W) R, dQ = dA R^-1 - Q (C - W) with C = Q^T dA R^-1, W = its skew part"""

    mode: str = "reduced"
    batch = batch_leading

    def forward(self, xp, a):
        q, r = xp.linalg.qr(a, mode=self.mode)
        return pack_arrays(xp, a.shape[:-2], q, r)

    def shapes(self, a) -> tuple[tuple[int, int], tuple[int, int]]:
        m, n = a.shape[-2:]
        k = m if self.mode == "complete" else min(m, n)
        return (m, k), (k, n)

    def factors(self, y, a) -> list[Tensor]:
        return unpack(y, self.shapes(a))

    def _check_differentiable(self, a) -> None:
        m, n = a.shape[-2:]
        if m < n or (self.mode == "complete" and m != n):
            raise NotImplementedError(f"linalg.qr: derivatives are implemented for tall or "
                                      f"square inputs with mode='reduced', got shape {a.shape} "
                                      f"and mode={self.mode!r}")

    def vjp(self, g, y, a):
        self._check_differentiable(a)
        q, r = self.factors(y, a)
        gq, gr = unpack(g, self.shapes(a))
        m = r @ gr.mT - gq.mT @ q
        copyltu = tril(m, -1) + tril(m).mT
        b = gq + q @ copyltu
        return (Solve()(r, b.mT).mT,)  # b R^-T

    def jvp(self, t, y, a):
        self._check_differentiable(a)
        q, r = self.factors(y, a)
        da_rinv = Solve()(r.mT, t[0].mT).mT  # dA R^-1
        c = q.mT @ da_rinv
        low = tril(c, -1)
        upper = c - low + low.mT  # C - W: upper triangular
        return pack(a.shape[:-2], da_rinv - q @ upper, upper @ r)


def qr(A: Tensor, mode: str = "reduced") -> tuple[Tensor, Tensor]:
    """(Q, R) with A = Q R, Q with orthonormal columns and R upper triangular; mode 'reduced'
    (k = min(m, n) columns of Q), 'complete' (Q square) or 'r' (R alone; Q is an empty
    tensor, as in PyTorch)."""
    check_matrix("qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"linalg.qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    prim = QR("complete" if mode == "complete" else "reduced")
    q, r = prim.factors(prim(A), A)
    return (zeros(0, dtype=A.dtype, device=A.device) if mode == "r" else q), r
