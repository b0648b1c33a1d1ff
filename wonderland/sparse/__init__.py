"""wl.sparse, as torch.sparse: COO sparse tensors (SparseCOO) built with wl.sparse_coo_tensor
or Tensor.to_sparse(), and their products with dense tensors (SciPy underneath, an optional
dependency) with gradients to both operands."""
from . import tensor_methods
from .construct import sparse_coo_tensor, to_sparse
from .coo import SparseCOO
from .mm import SparseDenseMM, dense_sparse_mm, mm

spmm = mm  # torch.spmm, the older name

tensor_methods.install()

__all__ = ["SparseCOO", "SparseDenseMM", "dense_sparse_mm", "mm", "sparse_coo_tensor", "spmm",
           "to_sparse"]
