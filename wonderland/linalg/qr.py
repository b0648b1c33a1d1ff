"""qr: A = Q R (Householder, through LAPACK), as a primitive returning both factors packed
(pack.py), with PyTorch's derivatives (all but the complete factorisation of a tall A)."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.tensor import Tensor
from ..ops.batching import batch_leading
from ..ops.creation import zeros
from ..ops.index import tril
from ..ops.join import cat
from .errors import _Lapack, check_matrix
from .pack import pack, pack_arrays, unpack
from .solve import Solve


def _tall_vjp(q: Tensor, r: Tensor, gq: Tensor, gr: Tensor) -> Tensor:
    """gA for A = Q R with square R: (gQ + Q copyltu(R gR^T - gQ^T Q)) R^-T."""
    m = r @ gr.mT - gq.mT @ q
    copyltu = tril(m, -1) + tril(m).mT
    return Solve()(r, (gq + q @ copyltu).mT).mT  # ... R^-T


def _tall_jvp(q: Tensor, r: Tensor, da: Tensor) -> tuple[Tensor, Tensor]:
    """(dQ, dR) for A = Q R with square R: with C = Q^T dA R^-1 and W its skew part (from the
    strict lower triangle), dR = (C - W) R and dQ = dA R^-1 - Q (C - W)."""
    da_rinv = Solve()(r.mT, da.mT).mT  # dA R^-1
    c = q.mT @ da_rinv
    low = tril(c, -1)
    upper = c - low + low.mT  # C - W: upper triangular
    return da_rinv - q @ upper, upper @ r


@dataclass(frozen=True)
class QR(_Lapack):
    """(Q, R) = qr(A), packed. A tall or square A differentiates as in _tall_vjp/_tall_jvp; a
    wide A = [X | Y] as X = Q R_X (square) with R_Y = Q^T Y, as PyTorch's"""

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
        if self.mode == "complete" and m > n:
            raise NotImplementedError(f"linalg.qr: mode='complete' of a tall input (shape "
                                      f"{a.shape}) has no derivative: its extra columns of Q "
                                      f"are not unique (PyTorch's too); use mode='reduced'")

    def vjp(self, g, y, a):
        self._check_differentiable(a)
        (q, r), (gq, gr) = self.factors(y, a), self.factors(g, a)
        m, n = a.shape[-2:]
        if m >= n:
            return (_tall_vjp(q, r, gq, gr),)
        gy = gr[..., m:]  # R_Y = Q^T Y: Y's cotangent Q gR_Y, and gR_Y Y^T more on Q
        gx = _tall_vjp(q, r[..., :m], gq + a[..., m:] @ gy.mT, gr[..., :m])
        return (cat([gx, q @ gy], -1),)

    def jvp(self, t, y, a):
        self._check_differentiable(a)
        q, r = self.factors(y, a)
        m, n = a.shape[-2:]
        if m >= n:
            dq, dr = _tall_jvp(q, r, t[0])
        else:
            dq, dr_x = _tall_jvp(q, r[..., :m], t[0][..., :m])
            dr_y = dq.mT @ a[..., m:] + q.mT @ t[0][..., m:]
            dr = cat([dr_x, dr_y], -1)
        return pack(a.shape[:-2], dq, dr)


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
