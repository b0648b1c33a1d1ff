"""The Tensor methods that reach into linalg, with the older signatures torch.Tensor keeps for
them (svd's `some` and V rather than Vh, qr's `some`, norm's `p`); ops/methods.py installs them."""
from __future__ import annotations

from ..core.tensor import Tensor
from .cholesky import cholesky
from .determinant import det
from .norm import tensor_norm
from .qr import qr
from .solve import inv
from .svd import svd


def svd_method(self: Tensor, some: bool = True, compute_uv: bool = True):
    """(U, S, V) with self = U diag(S) V^T (V, not Vh), reduced unless some=False, as
    torch.Tensor.svd; compute_uv=False gives zero U and V, as PyTorch."""
    u, s, vh = svd(self, full_matrices=not some)
    if not compute_uv:
        return u.detach() * 0, s, vh.mT.detach() * 0
    return u, s, vh.mT


def qr_method(self: Tensor, some: bool = True):
    """(Q, R), reduced unless some=False, as torch.Tensor.qr."""
    return qr(self, "reduced" if some else "complete")


METHODS = {
    "det": det, "inverse": inv, "cholesky": cholesky, "qr": qr_method, "svd": svd_method,
    "norm": tensor_norm,
}
