"""Sparse times dense: the SparseDenseMM primitive (SciPy's CSR product underneath) and the
functions over it, wl.sparse.mm / wl.spmm / `sparse @ dense` / `dense @ sparse`, with the
gradients torch.sparse.mm gives: S^T G to the dense operand, (G D^T) at the nonzeros to the
sparse values."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ..ops._convert import promote_args
from ..ops.batching import batch_size, to_front
from ..ops.creation import arange
from ..ops.join import stack
from ..ops.precision import float32_inside
from ._scipy import scipy_sparse
from .coo import SparseCOO


@dataclass(frozen=True)
class SparseDenseMM(Primitive):
    """y = S @ d with S (rows x d.shape[0]) given by (indices (2, nnz), values (nnz,)),
    duplicates summed;  dvalues[e] = <g[i_e], d[j_e]>, dd = S^T g; the indices are constant."""

    rows: int

    @float32_inside  # SciPy has no float16 products: half widths multiply in float32
    def forward(self, xp, indices, values, dense):
        if xp.__name__ != "numpy":
            raise NotImplementedError("sparse.mm: runs on the CPU (SciPy's sparse matrices)")
        matrix = scipy_sparse().csr_matrix((values, (indices[0], indices[1])),
                                           shape=(self.rows, dense.shape[0]))
        return xp.asarray(matrix @ dense)

    def vjp(self, g, y, indices, values, dense):
        gv = (g[indices[0]] * dense[indices[1]]).sum(-1) if values.requires_grad else None
        gd = (SparseDenseMM(dense.shape[0])(indices.flip(0), values, g)
              if dense.requires_grad else None)
        return None, gv, gd

    def jvp(self, t, y, indices, values, dense):
        return self(indices, t[1], dense) + self(indices, values, t[2])

    def batch(self, xs, bdims):
        """One block-diagonal product: example b's entries shifted by b blocks of rows and
        columns, the dense operands stacked."""
        indices, values, dense = xs
        if bdims[0] is not None:
            raise NotImplementedError("vmap: sparse.mm over batched indices is not supported")
        n = batch_size(xs, bdims)
        values, dense = to_front(values, bdims[1], n), to_front(dense, bdims[2], n)
        k, c = dense.shape[1:]
        block = arange(n, device=indices.device).unsqueeze(1)
        shifted = stack([(indices[0] + block * self.rows).reshape(-1),
                         (indices[1] + block * k).reshape(-1)])
        y = SparseDenseMM(self.rows * n)(shifted, values.reshape(-1), dense.reshape(n * k, c))
        return y.reshape(n, self.rows, c), 0


def mm(sparse: SparseCOO, dense: Tensor) -> Tensor:
    """sparse @ dense for a 2-D sparse tensor and a 2-D (or 1-D) dense one, as torch.sparse.mm;
    a dense result."""
    if not isinstance(sparse, SparseCOO):
        raise TypeError(f"sparse.mm: expects a sparse first operand, got "
                        f"{type(sparse).__name__}")
    if isinstance(dense, SparseCOO):  # sparse @ sparse: dense here (PyTorch's is sparse)
        dense = dense.to_dense()
    if sparse.ndim != 2 or dense.ndim not in (1, 2) or sparse.shape[1] != dense.shape[0]:
        raise ValueError(f"sparse.mm: shapes {sparse.shape} (sparse) and {dense.shape} "
                         f"(dense) cannot be multiplied: expected a 2-D sparse tensor (m, k) "
                         f"and a dense (k, n) or (k,)")
    values, dense = promote_args("sparse.mm", sparse._values(), dense)
    vector = dense.ndim == 1
    y = SparseDenseMM(sparse.shape[0])(sparse._indices(), values,
                                       dense.unsqueeze(1) if vector else dense)
    return y.squeeze(1) if vector else y


def dense_sparse_mm(dense: Tensor, sparse: SparseCOO) -> Tensor:
    """dense @ sparse, as (sparse^T @ dense^T)^T: a dense result, as in PyTorch."""
    if dense.ndim != 2 or sparse.ndim != 2 or dense.shape[1] != sparse.shape[0]:
        raise ValueError(f"matmul: shapes {dense.shape} (dense) and {sparse.shape} (sparse) "
                         f"cannot be multiplied: expected a dense (m, k) and a 2-D sparse (k, n)")
    return mm(sparse.t(), dense.mT).mT
