"""SparseCOO: a sparse tensor in coordinate form, as torch's sparse_coo layout: an int64
indices tensor (ndim, nnz), a values tensor (nnz,) that carries the gradients, and a shape.
Duplicate coordinates are allowed and mean their sum, as in PyTorch; coalesce() sums them."""
from __future__ import annotations

import math

import numpy as np

from ..core.tensor import Tensor
from ..ops.creation import as_tensor, zeros


class SparseCOO:
    """A COO sparse tensor; build one with wl.sparse_coo_tensor or Tensor.to_sparse()."""

    is_sparse = True

    def __init__(self, indices: Tensor, values: Tensor, shape: tuple[int, ...],
                 coalesced: bool = False):
        self._idx, self._vals = indices, values
        self.shape = tuple(int(n) for n in shape)
        self._coalesced = coalesced

    # --- what it is -----------------------------------------------------------------------
    @property
    def dtype(self):
        return self._vals.dtype

    @property
    def device(self):
        return self._vals.device

    @property
    def requires_grad(self) -> bool:
        return self._vals.requires_grad

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def grad_fn(self):
        return self._vals.grad_fn

    @property
    def grad(self) -> SparseCOO | None:
        """The gradient of a sparse leaf, sparse at its coordinates (the values' gradient)."""
        g = self._vals.grad
        return None if g is None else SparseCOO(self._idx, g, self.shape, self._coalesced)

    def dim(self) -> int:
        return self.ndim

    def __len__(self) -> int:
        return self.shape[0]

    def size(self, dim: int | None = None):
        return self.shape if dim is None else self.shape[dim]

    def sparse_dim(self) -> int:
        return self.ndim

    def dense_dim(self) -> int:
        return 0

    def is_coalesced(self) -> bool:
        return self._coalesced

    def _nnz(self) -> int:
        """The number of stored entries, duplicates included (as torch's _nnz)."""
        return self._vals.shape[0]

    def _indices(self) -> Tensor:
        return self._idx

    def _values(self) -> Tensor:
        return self._vals

    def indices(self) -> Tensor:
        """The coordinates (ndim, nnz) of a coalesced tensor, as torch's (which refuses an
        uncoalesced one)."""
        self._require_coalesced("indices")
        return self._idx

    def values(self) -> Tensor:
        """The values (nnz,) of a coalesced tensor, differentiable."""
        self._require_coalesced("values")
        return self._vals

    def _require_coalesced(self, what: str) -> None:
        if not self._coalesced:
            raise RuntimeError(f"Cannot get {what} on an uncoalesced tensor, please call "
                               f".coalesce() first")

    def __repr__(self) -> str:
        return (f"tensor(indices={self._idx!r},\n       values={self._vals!r},\n       "
                f"size={self.shape}, nnz={self._nnz()}, layout=sparse_coo)")

    # --- conversions ----------------------------------------------------------------------
    def coalesce(self) -> SparseCOO:
        """The same tensor with each coordinate once, sorted, duplicates summed."""
        if self._coalesced:
            return self
        keys = _linear(self._idx, self.shape)
        unique, inverse = np.unique(keys, return_inverse=True)
        values = zeros(len(unique), dtype=self.dtype, device=self.device)
        values = values.index_add(0, as_tensor(inverse.reshape(-1), device=self.device),
                                  self._vals)
        coords = (np.stack(np.unravel_index(unique, self.shape)) if self.ndim
                  else np.zeros((0, len(unique)), np.int64))
        return SparseCOO(_int64(coords, self.device), values, self.shape, coalesced=True)

    def to_dense(self) -> Tensor:
        """The dense tensor (duplicates summed); differentiable with respect to the values."""
        flat = zeros(math.prod(self.shape), dtype=self.dtype, device=self.device)
        keys = _int64(_linear(self._idx, self.shape), self.device)
        return flat.index_add(0, keys, self._vals).reshape(self.shape)

    def to_sparse(self) -> SparseCOO:
        return self

    def to(self, *args, **kwargs) -> SparseCOO:
        """On another device or in another dtype (the values'), as Tensor.to."""
        values = self._vals.to(*args, **kwargs)
        return SparseCOO(self._idx.to(values.device), values, self.shape, self._coalesced)

    def cpu(self) -> SparseCOO:
        return self.to("cpu")

    def float(self) -> SparseCOO:
        return self._with_values(self._vals.float())

    def double(self) -> SparseCOO:
        return self._with_values(self._vals.double())

    def detach(self) -> SparseCOO:
        return self._with_values(self._vals.detach())

    def requires_grad_(self, requires_grad: bool = True) -> SparseCOO:
        self._vals.requires_grad_(requires_grad)
        return self

    def t(self) -> SparseCOO:
        """The transpose of a 2-D sparse tensor (not coalesced: the order changes)."""
        if self.ndim != 2:
            raise ValueError(f"t: expects a 2-D sparse tensor, got shape {self.shape}")
        return SparseCOO(self._idx.flip(0), self._vals, self.shape[::-1])

    def _with_values(self, values: Tensor) -> SparseCOO:
        return SparseCOO(self._idx, values, self.shape, self._coalesced)

    # --- arithmetic -----------------------------------------------------------------------
    def __matmul__(self, other):
        from .mm import mm

        return mm(self, other)

    def __rmatmul__(self, other):
        from .mm import dense_sparse_mm

        return dense_sparse_mm(other, self)

    mm = matmul = __matmul__

    def __add__(self, other):
        """sparse + sparse stays sparse (uncoalesced); sparse + dense is dense, as in PyTorch."""
        if isinstance(other, SparseCOO):
            if other.shape != self.shape:
                raise ValueError(f"add: sparse tensors of shapes {self.shape} and "
                                 f"{other.shape} differ")
            from ..ops.join import cat

            return SparseCOO(cat([self._idx, other._idx], 1),
                             cat([self._vals, other._vals.to(dtype=self.dtype)]), self.shape)
        return self.to_dense() + other

    def __radd__(self, other):
        return other + self.to_dense()

    def __mul__(self, other):
        """Times a number: still sparse, as in PyTorch."""
        if isinstance(other, SparseCOO | Tensor):
            return self.to_dense() * (other.to_dense() if isinstance(other, SparseCOO) else other)
        return self._with_values(self._vals * other)

    __rmul__ = __mul__

    def __neg__(self) -> SparseCOO:
        return self._with_values(-self._vals)


def _linear(indices: Tensor, shape: tuple[int, ...]) -> np.ndarray:
    """Each coordinate's position in the C-ordered flat tensor (NumPy int64, on the host)."""
    coords = np.asarray(indices.detach().cpu()).astype(np.int64)
    if not shape:
        return np.zeros(coords.shape[1], np.int64)
    return np.ravel_multi_index(tuple(coords), shape)


def _int64(array: np.ndarray, device) -> Tensor:
    return as_tensor(np.ascontiguousarray(array, dtype=np.int64), device=device)
