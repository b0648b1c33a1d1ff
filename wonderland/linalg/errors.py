"""linalg's error type and the argument checks every function of wl.linalg shares: a floating
point dtype that LAPACK takes (float32, float64), matrices in the last two dimensions, square
where the function needs it."""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from ..core import dtype as dt
from ..core.primitive import Primitive
from ..core.tensor import Tensor


class LinAlgError(RuntimeError):
    """A matrix the function cannot handle: singular (solve, inv), not positive definite
    (cholesky), or a decomposition that did not converge; as torch.linalg.LinAlgError."""


class _Lapack(Primitive):
    """Base of the primitives whose forward is a LAPACK routine, which has no float16: their
    functions refuse it (as PyTorch's on the CPU), so they have no float16 op-spec rows."""

    float16: ClassVar[bool] = False


def check_matrix(name: str, a: Tensor, square: bool = False, half: bool = False) -> None:
    """a is a (batch of) float32/float64 matrices (float16 too with half=True), square if
    asked; else a TypeError or ValueError naming the function and the shape."""
    if not isinstance(a, Tensor):
        raise TypeError(f"linalg.{name}: expected a Tensor, got {type(a).__name__}")
    if not (half and a.dtype is dt.float16):
        check_dtype(name, a)
    if a.ndim < 2:
        raise ValueError(f"linalg.{name}: expected a matrix or a batch of matrices (at least 2 "
                         f"dimensions), got shape {a.shape}")
    if square and a.shape[-1] != a.shape[-2]:
        raise ValueError(f"linalg.{name}: expected square matrices in the last two dimensions, "
                         f"got shape {a.shape}")


def check_dtype(name: str, a: Tensor) -> None:
    """float32 or float64, as PyTorch's LAPACK-backed functions on the CPU take."""
    if a.dtype not in (dt.float32, dt.float64):
        raise TypeError(f"linalg.{name}: expected a float32 or float64 tensor (LAPACK has no "
                        f"{a.dtype.name} routines; convert with .float() or .double()), got "
                        f"{a.dtype.name}")


def lapack_call(name: str, fn, *arrays, what: str = "singular"):
    """fn(*arrays), with NumPy's LinAlgError turned into ours, naming the function, the shape
    and what is wrong with the matrix."""
    try:
        return fn(*arrays)
    except np.linalg.LinAlgError as e:
        raise LinAlgError(f"linalg.{name}: the input of shape {arrays[0].shape} is {what} "
                          f"({e})") from None
