"""Data types and the promotion rules between them.

Promotion follows NumPy's weak-scalar rule (NEP 50: a Python number never widens a tensor of the
same kind) and PyTorch's category rule for tensors (bool < integer < floating: the higher kind wins
and keeps its own width, so int64 + float32 is float32). Unlike PyTorch, a 0-d tensor is not weak:
it promotes like any tensor, as in NumPy 2 and JAX."""
from __future__ import annotations

from dataclasses import dataclass

import ml_dtypes
import numpy as np


@dataclass(frozen=True, eq=False)
class DType:
    """An element type: its name, its NumPy equivalent and its kind (0 bool, 1 int, 2 float)."""

    name: str
    np_dtype: np.dtype
    kind: int

    @property
    def is_floating_point(self) -> bool:
        return self.kind == 2

    @property
    def itemsize(self) -> int:
        return self.np_dtype.itemsize

    def __repr__(self) -> str:
        return f"wonderland.{self.name}"


bool_ = DType("bool", np.dtype(np.bool_), 0)
uint8 = DType("uint8", np.dtype(np.uint8), 1)
int8 = DType("int8", np.dtype(np.int8), 1)
int16 = DType("int16", np.dtype(np.int16), 1)
int32 = DType("int32", np.dtype(np.int32), 1)
int64 = DType("int64", np.dtype(np.int64), 1)
float16 = DType("float16", np.dtype(np.float16), 2)
# bfloat16 is ml_dtypes' NumPy dtype (kind 'V', char 'E'); NumPy's promotion between it and the
# others already is PyTorch's (bfloat16 with float16 gives float32, with any integer bfloat16)
bfloat16 = DType("bfloat16", np.dtype(ml_dtypes.bfloat16), 2)
float32 = DType("float32", np.dtype(np.float32), 2)
float64 = DType("float64", np.dtype(np.float64), 2)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64)
_BY_NUMPY = {d.np_dtype: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL} | {"float": float32, "double": float64, "half": float16,
                                       "int": int32, "long": int64}

_default_float = float32


def get_default_dtype() -> DType:
    return _default_float


def set_default_dtype(dtype: DType) -> None:
    """Set the dtype that Python floats and float factories produce (float32 unless changed)."""
    global _default_float
    dtype = as_dtype(dtype)
    if not dtype.is_floating_point:
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {dtype.name}")
    _default_float = dtype


def as_dtype(d) -> DType:
    """Accept a DType, a name ('float32'), a NumPy dtype or a Python type (float, int, bool)."""
    if isinstance(d, DType):
        return d
    if d is float:
        return _default_float
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d]
    try:
        return _BY_NUMPY[np.dtype(d)]
    except (TypeError, KeyError):
        names = [x.name for x in ALL]
        raise TypeError(f"unsupported dtype {d!r}; expected one of {names}") from None


def is_floating_np(npd: np.dtype) -> bool:
    """Whether a NumPy dtype is floating point: kind 'f', or ml_dtypes' bfloat16 (kind 'V')."""
    return npd.kind == "f" or npd == bfloat16.np_dtype


def from_numpy(npd: np.dtype) -> DType:
    try:
        return _BY_NUMPY[np.dtype(npd)]
    except KeyError:
        raise TypeError(f"NumPy dtype {npd} has no wonderland equivalent") from None


def promote(a: DType, b: DType) -> DType:
    """The dtype of an operation between two tensors."""
    if a is b:
        return a
    if a.kind != b.kind:
        return a if a.kind > b.kind else b
    return from_numpy(np.promote_types(a.np_dtype, b.np_dtype))


def scalar_dtype(value) -> DType:
    """The dtype a lone Python number takes (bool, int64 or the default float)."""
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, (int, np.integer)):
        return int64
    if isinstance(value, (float, np.floating)):
        return _default_float
    raise TypeError(f"expected a number, got {type(value).__name__}")


def promote_with_scalar(t: DType, value) -> DType:
    """A Python scalar is weak: it changes the result only if it is of a higher kind."""
    s = scalar_dtype(value)
    return t if t.kind >= s.kind else s
