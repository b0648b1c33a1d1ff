"""eigh and eigvalsh: eigenvalues (ascending) and orthonormal eigenvectors of symmetric
matrices, as a primitive returning both packed (pack.py). Like LAPACK and PyTorch it reads the
lower triangle (UPLO='L')."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.tensor import Tensor
from ..ops.batching import batch_leading
from ..ops.binary import where
from ..ops.creation import eye
from ..ops.einsum import einsum
from .errors import _Lapack, check_matrix, lapack_call
from .pack import pack, pack_arrays, unpack


def gaps(values: Tensor) -> Tensor:
    """1 / (v_j - v_i), and 0 where v_j = v_i (the diagonal, and values that tie exactly). At a
    tie the vectors of that pair have no derivative, but a function that does not depend on
    which basis of their space was returned (the values alone, a projector) has one, and the 0
    gives it: its cotangent has no component on that pair. 1 / 0 would make it nan (0 * inf)."""
    diff = values.unsqueeze(-2) - values.unsqueeze(-1)
    tie = diff == 0
    return where(tie, 0.0, 1.0 / where(tie, 1.0, diff))


@dataclass(frozen=True)
class Eigh(_Lapack):
    """(L, V) = eigh(A), packed;  gA = V (diag(gL) + F o skew(V^T gV) / 2) V^T,
    dL = diag(V^T dA V), dV = V (F o V^T dA V), F = gaps(L), dA symmetrised"""

    batch = batch_leading

    def forward(self, xp, a):
        values, vectors = lapack_call("eigh", xp.linalg.eigh, a,
                                      what="one whose eigenvalues did not converge")
        return pack_arrays(xp, a.shape[:-2], values, vectors)

    @staticmethod
    def factors(y, a) -> list[Tensor]:
        n = a.shape[-1]
        return unpack(y, [(n,), (n, n)])

    def vjp(self, g, y, a):
        values, vectors = self.factors(y, a)
        gl, gv = self.factors(g, a)
        vtgv = vectors.mT @ gv
        inner = gaps(values) * (vtgv - vtgv.mT) * 0.5 + gl.unsqueeze(-1) * eye(
            a.shape[-1], dtype=a.dtype, device=a.device)
        return (vectors @ inner @ vectors.mT,)

    def jvp(self, t, y, a):
        values, vectors = self.factors(y, a)
        da = (t[0] + t[0].mT) * 0.5
        p = vectors.mT @ da @ vectors
        return pack(a.shape[:-2], einsum("...ii->...i", p), vectors @ (gaps(values) * p))


def eigh(A: Tensor, UPLO: str = "L") -> tuple[Tensor, Tensor]:
    """(eigenvalues ascending, eigenvectors as columns) of symmetric A, read from its lower
    triangle (UPLO='L') or upper one ('U')."""
    return _eigh("eigh", A, UPLO)


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """The eigenvalues of symmetric A, ascending (eigh's first output)."""
    return _eigh("eigvalsh", A, UPLO)[0]


def _eigh(name: str, A: Tensor, UPLO: str) -> tuple[Tensor, Tensor]:
    check_matrix(name, A, square=True)
    if UPLO not in ("L", "U"):
        raise ValueError(f"linalg.{name}: UPLO must be 'L' or 'U', got {UPLO!r}")
    if UPLO == "U":  # the upper triangle of A is the lower one of A^T
        A = A.mT
    return tuple(Eigh.factors(Eigh()(A), A))
