"""Keys for indexing: a user's key (ints, slices, None, Ellipsis, lists, index tensors, boolean
masks) checked against a shape and made canonical, and where PyTorch's placement of advanced
index dims differs from NumPy's."""
from __future__ import annotations

import numpy as np

from ..core.tensor import Tensor


def normalize_key(key, shape: tuple[int, ...]) -> tuple:
    """A user key as a tuple of ints, slices, None, Ellipsis and integer arrays, checked
    against the shape (boolean masks become the integer arrays of their nonzero positions)."""
    if not isinstance(key, tuple):
        key = (key,)
    key = tuple(list(k) if isinstance(k, range) else k for k in key)  # x[range(n), y] as PyTorch
    out, dim = [], 0
    n_used = sum(_dims_used(k) for k in key)
    if n_used > len(shape):
        raise IndexError(f"too many indices for a tensor of shape {shape}: {n_used} given")
    for k in key:
        if k is Ellipsis:
            out.append(Ellipsis)
            dim += len(shape) - n_used
            continue
        if k is None:
            out.append(None)
            continue
        if isinstance(k, Tensor):
            k = _index_array(k)
        if isinstance(k, (list, tuple)):
            k = np.asarray(k) if len(k) else np.zeros(0, dtype=np.int64)
        if isinstance(k, np.ndarray) and k.ndim == 0 and k.dtype.kind in "iu":
            k = int(k)  # a 0-d integer tensor selects, as an int does
        if isinstance(k, (bool, np.bool_)) or (isinstance(k, np.ndarray) and k.ndim == 0
                                               and k.dtype == np.bool_):
            raise IndexError("a boolean scalar is not supported as an index; use None to add "
                             "a dimension, or a boolean mask with at least one dimension")
        if isinstance(k, np.ndarray) and k.dtype == np.bool_:
            if k.shape != shape[dim:dim + k.ndim]:
                raise IndexError(f"boolean mask of shape {k.shape} does not match the indexed "
                                 f"dimensions {shape[dim:dim + k.ndim]} of shape {shape}")
            out.extend(np.nonzero(k))
            dim += k.ndim
            continue
        if isinstance(k, np.ndarray):
            if k.dtype.kind not in "iu":
                raise IndexError(f"tensors used as indices must be integer or bool, got {k.dtype}")
            n = shape[dim]
            if k.size and (k.max() >= n or k.min() < -n):
                raise IndexError(f"index {int(k.max() if k.max() >= n else k.min())} is out of "
                                 f"bounds for dimension {dim} with size {n}")
            out.append(k.astype(np.int64) % max(n, 1))
            dim += 1
            continue
        if isinstance(k, (int, np.integer)):
            n = shape[dim]
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {n}")
            out.append(int(k) % n)
            dim += 1
            continue
        if isinstance(k, slice):
            out.append(k)
            dim += 1
            continue
        raise IndexError(f"unsupported index {k!r} of type {type(k).__name__}")
    return tuple(out)


def _dims_used(k) -> int:
    if k is None or k is Ellipsis:
        return 0
    if isinstance(k, Tensor):
        k = _index_array(k)
    if isinstance(k, np.ndarray) and k.dtype == np.bool_:
        return k.ndim
    return 1


def _index_array(k: Tensor):
    if k._vlevel is not None:
        raise NotImplementedError("vmap: indexing with a batched index tensor is not supported "
                                  "(the key must be the same for every example); use gather")
    return k._data


def torch_order(key: tuple, ndim: int) -> tuple[int, int] | None:
    """(b, p) where PyTorch puts the b broadcast dims of the index arrays at position p and NumPy
    puts them first: an int is a plain selection in PyTorch but an advanced index in NumPy, so
    in x[0, :, idx] NumPy sees separated advanced indices; None where the two agree."""
    arrays = [i for i, k in enumerate(key) if isinstance(k, np.ndarray)]
    if not arrays:
        return None
    advanced = [i for i, k in enumerate(key) if isinstance(k, (np.ndarray, int))]
    if advanced[-1] - advanced[0] + 1 == len(advanced):
        return None  # NumPy's advanced indices are adjacent, and so are PyTorch's arrays
    if not all(isinstance(k, (np.ndarray, int)) for k in key[arrays[0]:arrays[-1] + 1]):
        return None  # the arrays are apart in PyTorch too: both put their dims first
    span = ndim - sum(k is not None and k is not Ellipsis for k in key)  # dims under '...'
    p = sum(span if k is Ellipsis else int(not isinstance(k, int)) for k in key[:arrays[0]])
    return len(np.broadcast_shapes(*(key[i].shape for i in arrays))), p
