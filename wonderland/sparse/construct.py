"""Building sparse tensors: wl.sparse_coo_tensor (as torch.sparse_coo_tensor) and
Tensor.to_sparse() (the nonzeros of a dense tensor, coalesced)."""
from __future__ import annotations

import numpy as np

from ..core.tensor import Tensor
from ..ops.creation import as_tensor, tensor
from .coo import SparseCOO


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None,
                      requires_grad: bool = False, is_coalesced: bool | None = None
                      ) -> SparseCOO:
    """A COO sparse tensor with values[k] at the coordinates indices[:, k]; duplicates mean
    their sum. Without a size, each dimension is one past its largest index, as in PyTorch."""
    idx = np.asarray(indices.detach().cpu() if isinstance(indices, Tensor) else indices)
    if idx.ndim != 2 or idx.dtype.kind not in "iu":
        raise ValueError(f"sparse_coo_tensor: indices must be a 2-D integer array (ndim, nnz), "
                         f"got shape {idx.shape} of dtype {idx.dtype}")
    if not isinstance(values, Tensor):
        values = tensor(values, dtype=dtype, device=device)
    values = values.to(device=device, dtype=dtype)
    if values.ndim != 1 or values.shape[0] != idx.shape[1]:
        raise ValueError(f"sparse_coo_tensor: values must be 1-D with one value per column of "
                         f"indices ({idx.shape[1]}), got shape {values.shape} (hybrid sparse "
                         f"tensors are not supported)")
    if size is None:
        size = tuple(int(n) + 1 for n in idx.max(1)) if idx.shape[1] else (0,) * idx.shape[0]
    size = tuple(int(n) for n in size)
    if len(size) != idx.shape[0]:
        raise ValueError(f"sparse_coo_tensor: {idx.shape[0]} rows of indices for a size of "
                         f"{len(size)} dimensions {size}")
    if idx.shape[1] and ((idx < 0).any() or (idx.max(1) >= np.array(size)).any()):
        raise ValueError(f"sparse_coo_tensor: indices out of range for size {size} "
                         f"(largest per dimension {tuple(idx.max(1))}, smallest {idx.min()})")
    if requires_grad:
        values = values.detach().requires_grad_()
    out = SparseCOO(as_tensor(idx.astype(np.int64), device=values.device), values, size)
    if is_coalesced:
        out._coalesced = True
    return out


def to_sparse(x: Tensor, sparse_dim: int | None = None) -> SparseCOO:
    """The nonzero entries of x as a coalesced COO tensor, differentiable to x's values."""
    if isinstance(x, SparseCOO):
        return x
    if sparse_dim is not None and sparse_dim != x.ndim:
        raise ValueError(f"to_sparse: sparse_dim={sparse_dim} would make a hybrid tensor, "
                         f"which wonderland does not support (use {x.ndim} or leave it out)")
    array = np.asarray(x.detach().cpu())
    if x.ndim == 0:  # a 0-d tensor: no coordinates, one stored value or none
        coords = np.zeros((0, int(array != 0)), np.int64)
        flat = np.zeros(coords.shape[1], np.int64)
    else:
        coords = np.stack(np.nonzero(array)).astype(np.int64)
        flat = np.ravel_multi_index(tuple(coords), x.shape)
    values = x.reshape(-1)[as_tensor(flat, device=x.device)]
    return SparseCOO(as_tensor(coords, device=x.device), values, x.shape, coalesced=True)
