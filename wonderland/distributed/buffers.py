"""Between tensors and MPI buffers: argument checks that name the op, contiguous send buffers,
receive buffers, and the write of a result into a tensor's own array (bumping its version, as
any in-place op does, so that a tape that saved the old values refuses to use them).

MPI moves bfloat16 as its 16 bits; reductions on bfloat16 compute in float32 and round once."""
from __future__ import annotations

import numpy as np

from ..core import inplace
from ..core.dtype import bfloat16
from ..core.tensor import Tensor

BF16 = bfloat16.np_dtype


def array(t, who: str, what: str = "tensor") -> np.ndarray:
    """t's NumPy array, or an error naming the op: a CPU tensor outside vmap."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{who}: {what} must be a wonderland Tensor, got {type(t).__name__}")
    if t.device.type != "cpu":
        raise RuntimeError(f"{who}: {what} is on {t.device}; the MPI backend moves CPU tensors "
                           f"only (call .cpu() first)")
    if t._vlevel is not None:
        raise RuntimeError(f"{who}: collectives cannot run inside vmap")
    return t._data


def writable(t, who: str, what: str = "tensor") -> np.ndarray:
    """t's array when the result can be written into it, else an error naming the op."""
    a = array(t, who, what)
    if not a.flags.writeable:
        raise RuntimeError(f"{who}: {what}'s memory is read-only (an expand() or broadcast "
                           f"view, or a read-only NumPy array): clone() it first")
    return a


def same(ts, like: np.ndarray, who: str, what: str, shape=None) -> list[np.ndarray]:
    """The arrays of a list of tensors that must all have like's dtype and `shape`."""
    shape = like.shape if shape is None else shape
    out = []
    for i, t in enumerate(ts):
        a = writable(t, who, f"{what}[{i}]")
        if a.shape != shape or a.dtype != like.dtype:
            raise ValueError(f"{who}: {what}[{i}] is a {a.dtype} tensor of shape "
                             f"{list(a.shape)}; expected {like.dtype} of shape {list(shape)}")
        out.append(a)
    return out


def count(ts, size: int, who: str, what: str) -> list:
    """ts as a list of exactly `size` tensors (one per rank)."""
    if not isinstance(ts, (list, tuple)) or len(ts) != size:
        got = f"{len(ts)} tensors" if isinstance(ts, (list, tuple)) else type(ts).__name__
        raise ValueError(f"{who}: {what} must hold one tensor per rank ({size}), got {got}")
    return list(ts)


def compute_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype a reduction computes in: bfloat16's is float32."""
    return np.dtype(np.float32) if dtype == BF16 else dtype


def moved(a: np.ndarray) -> np.ndarray:
    """A C-contiguous copy of a that MPI can send (bfloat16 as uint16)."""
    out = np.array(a, order="C", copy=True)
    return out.view(np.uint16) if out.dtype == BF16 else out


def empty_like_moved(shape, dtype: np.dtype) -> np.ndarray:
    """A receive buffer for values of dtype (bfloat16 received as uint16)."""
    return np.empty(shape, dtype=np.uint16 if dtype == BF16 else dtype)


def as_dtype(buf: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """A received buffer seen (bfloat16) or cast (a reduction's float32) as dtype."""
    if buf.dtype == np.uint16 and dtype == BF16:
        return buf.view(BF16)
    return buf


def direct(a: np.ndarray, dtype: np.dtype) -> bool:
    """Whether MPI may write straight into a (no copy back): contiguous, writable, a type MPI
    knows in the dtype the op computes in."""
    return (a.flags.c_contiguous and a.flags.writeable and a.dtype == dtype and a.dtype != BF16)


def write(t: Tensor, values: np.ndarray) -> None:
    """Put values (already of t's shape, or one that reshapes to it) into t's array in place."""
    a = t._data
    if values is not a:
        np.copyto(a, as_dtype(values, a.dtype).reshape(a.shape), casting="unsafe")
    inplace.bump(t)


def reduction_buffer(a: np.ndarray) -> tuple[np.ndarray, bool]:
    """(the buffer an in-place reduction runs on, whether it is a itself)."""
    work = compute_dtype(a.dtype)
    if direct(a, work):
        return a, True
    return np.array(a, dtype=work, order="C", copy=True), False
