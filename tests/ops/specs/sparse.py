"""Op-spec rows: the sparse @ dense product (SparseDenseMM, wonderland/sparse/mm.py) against
torch.sparse.mm, differentiated with respect to the sparse values and the dense operand; the
coordinates are constants of the row (one of them twice: duplicates are summed)."""
import numpy as np
import torch

import wonderland as wl

from ..spec import real, spec

SPMM = "SparseDenseMM"
INDICES = np.array([[0, 2, 1, 0, 3, 1, 2], [1, 0, 2, 1, 3, 0, 4]])
SHAPE = (4, 5)


def _ours(v):
    return wl.sparse_coo_tensor(INDICES, v, SHAPE)


def _torch(v):
    return torch.sparse_coo_tensor(torch.as_tensor(INDICES), v, SHAPE, check_invariants=True)


def _numpy(v):
    dense = np.zeros(SHAPE, v.dtype)
    np.add.at(dense, tuple(INDICES), v)
    return dense


NNZ = INDICES.shape[1]

SPECS = [
    spec("sparse_mm", SPMM, lambda v, d: wl.sparse.mm(_ours(v), d), [real(NNZ), real(5, 3)],
         lambda v, d: _numpy(v) @ d, lambda v, d: torch.sparse.mm(_torch(v), d)),
    spec("sparse_matmul_vector", SPMM, lambda v, d: _ours(v) @ d, [real(NNZ), real(5)],
         lambda v, d: _numpy(v) @ d, lambda v, d: _torch(v) @ d),
    spec("dense_matmul_sparse", SPMM, lambda a, v: a @ _ours(v), [real(2, 4), real(NNZ)],
         lambda a, v: a @ _numpy(v), lambda a, v: a @ _torch(v)),
]
