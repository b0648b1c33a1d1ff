"""torch's older functions that reach into linalg, with the signatures torch.Tensor and the torch
namespace keep for them (svd's `some` and V rather than Vh, qr's `some`, norm's `p`, cross's
first dimension of size 3):
ops/methods.py installs them as Tensor methods, wonderland/__init__.py as wl.svd, wl.norm ..."""
from __future__ import annotations

import warnings

from ..core.tensor import Tensor
from .cholesky import cholesky
from .cross import cross as linalg_cross
from .determinant import det
from .norm import tensor_norm as norm
from .qr import qr as linalg_qr
from .solve import inv as inverse
from .svd import svd as linalg_svd

__all__ = ["cholesky", "cross", "det", "inverse", "norm", "qr", "svd"]


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


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """input x other along dim, as torch.cross: without a dim, the first dimension of size 3,
    with PyTorch's warning that this default will change to linalg.cross's dim=-1."""
    if dim is None:
        sizes = [a for a, n in enumerate(input.shape) if n == 3]
        if not sizes:
            raise ValueError(f"cross: no dimension of size 3 in input of shape {input.shape}")
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated; pass the "
                      "dim explicitly or use wl.linalg.cross", UserWarning, stacklevel=2)
        dim = sizes[0]
    return linalg_cross(input, other, dim=dim)


METHODS = {"cross": cross, "det": det, "inverse": inverse, "cholesky": cholesky, "qr": qr,
           "svd": svd, "norm": norm}
