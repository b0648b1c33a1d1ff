"""The dense Tensor's side of sparse tensors: x.to_sparse() and x.is_sparse (False), attached
to Tensor when wonderland.sparse loads (it is built on ops, so ops cannot import it)."""
from __future__ import annotations

from ..core.tensor import Tensor
from .construct import to_sparse


def install() -> None:
    Tensor.to_sparse = to_sparse
    Tensor.to_sparse_coo = lambda self: to_sparse(self)
    Tensor.is_sparse = property(lambda self: False)
