"""torch's older functions that reach into linalg, with the signatures torch.Tensor and the torch
namespace keep for them (svd's `some` and V rather than Vh, qr's `some`, norm's `p`):
ops/methods.py installs them as Tensor methods, wonderland/__init__.py as wl.svd, wl.norm ..."""
from __future__ import annotations

from ..core.tensor import Tensor
from .cholesky import cholesky
from .determinant import det
from .norm import tensor_norm as norm
from .qr import qr as linalg_qr
from .solve import inv as inverse
from .svd import svd as linalg_svd

__all__ = ["cholesky", "det", "inverse", "norm", "qr", "svd"]


def svd(input: Tensor, some: bool = True, compute_uv: bool = True):
    """(U, S, V) with input = U diag(S) V^T (V, not Vh), reduced unless some=False, as
    torch.svd; compute_uv=False gives zero U and V, as PyTorch."""
    u, s, vh = linalg_svd(input, full_matrices=not some)
    if not compute_uv:
        return u.detach() * 0, s, vh.mT.detach() * 0
    return u, s, vh.mT


def qr(input: Tensor, some: bool = True):
    """(Q, R), reduced unless some=False, as torch.qr."""
    return linalg_qr(input, "reduced" if some else "complete")


METHODS = {"det": det, "inverse": inverse, "cholesky": cholesky, "qr": qr, "svd": svd,
           "norm": norm}
