"""pinv, lstsq and matrix_rank through the SVD, as PyTorch computes them: singular values at
or under max(atol, rtol * the largest) count as zero. No branch depends on the values, so they
run under vmap; their derivatives go through the SVD primitive's."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..core.grad_mode import no_grad
from ..core.tensor import Tensor
from ..ops.binary import where
from ..ops.creation import zeros
from .errors import check_matrix
from .svd import svd, svdvals


class LstsqResult(NamedTuple):
    """lstsq's result, as PyTorch's (its default CPU driver, gelsy, leaves residuals and
    singular_values empty)."""
    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def _kept(s: Tensor, shape, atol, rtol) -> Tensor:
    """Which singular values count: those above max(atol, rtol * the largest), rtol defaulting
    to eps * max(m, n) when neither tolerance is given (PyTorch's rule)."""
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(s.dtype.name).eps * max(shape)
    cutoff = (s.amax(-1, keepdim=True) * rtol).clamp(min=0.0 if atol is None else atol)
    return s > cutoff


def _pinv(A: Tensor, atol, rtol) -> tuple[Tensor, Tensor]:
    """A's pseudo-inverse and which of its singular values were kept."""
    u, s, vh = svd(A, full_matrices=False)
    keep = _kept(s.detach(), A.shape[-2:], atol, rtol)
    s_inv = where(keep, 1.0 / where(keep, s, 1.0), 0.0)
    return vh.mT @ (s_inv.unsqueeze(-1) * u.mT), keep


def matrix_rank(A: Tensor, *, atol: float | None = None, rtol: float | None = None,
                hermitian: bool = False) -> Tensor:
    """The number of singular values above max(atol, rtol * the largest), int64 (`hermitian`
    is accepted and the general path taken)."""
    check_matrix("matrix_rank", A)
    with no_grad():
        return _kept(svdvals(A), A.shape[-2:], atol, rtol).sum(-1)


def pinv(A: Tensor, *, atol: float | None = None, rtol: float | None = None,
         hermitian: bool = False) -> Tensor:
    """The Moore-Penrose pseudo-inverse V diag(1/s) U^T over the kept singular values
    (`hermitian` is accepted and the general path taken)."""
    check_matrix("pinv", A)
    return _pinv(A, atol, rtol)[0]


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *,
          driver: str | None = None) -> LstsqResult:
    """X minimising ||A X - B||, the one of least norm when A is wide or rank-deficient, with
    singular values at or under rcond * the largest dropped; B is (... m k), or (... m) for
    vectors. `driver` is accepted for PyTorch's signature."""
    check_matrix("lstsq", A)
    vector = B.ndim == A.ndim - 1
    if vector:
        B = B.unsqueeze(-1)
    if B.shape[-2] != A.shape[-2]:
        raise ValueError(f"linalg.lstsq: A of shape {A.shape} and B of shape {B.shape} need one "
                         f"number of rows")
    pseudo, keep = _pinv(A, None, rcond)
    X = pseudo @ B
    with no_grad():
        rank = keep.sum(-1)
    empty = zeros(0, dtype=A.dtype, device=A.device)
    return LstsqResult(X.squeeze(-1) if vector else X, empty, rank, empty)
