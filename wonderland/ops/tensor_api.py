"""Tensor facts and constructors by PyTorch's names: new_zeros/new_ones/new_full/new_empty/
new_tensor, element_size, stride, is_contiguous, nelement; the legacy constructors FloatTensor,
DoubleTensor, LongTensor, IntTensor and BoolTensor."""
from __future__ import annotations

import numbers

import numpy as np

from ..core import dtype as dt
from ..core.tensor import Tensor
from .creation import _shape, empty, full, ones, tensor, zeros


def _like_self(self: Tensor, dtype, device) -> dict:
    return {"dtype": self.dtype if dtype is None else dtype,
            "device": self.device if device is None else device}


def new_zeros(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Zeros of `size` with this tensor's dtype and device (unless given)."""
    return zeros(*size, requires_grad=requires_grad, **_like_self(self, dtype, device))


def new_ones(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Ones of `size` with this tensor's dtype and device (unless given)."""
    return ones(*size, requires_grad=requires_grad, **_like_self(self, dtype, device))


def new_empty(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of `size` with this tensor's dtype and device (unless given)."""
    return empty(*size, requires_grad=requires_grad, **_like_self(self, dtype, device))


def new_full(self: Tensor, size, fill_value, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """`fill_value` everywhere in `size`, with this tensor's dtype and device (unless given)."""
    return full(size, fill_value, requires_grad=requires_grad, **_like_self(self, dtype, device))


def new_tensor(self: Tensor, data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A copy of `data` with this tensor's dtype and device (unless given)."""
    return tensor(data, requires_grad=requires_grad, **_like_self(self, dtype, device))


def element_size(self: Tensor) -> int:
    """Bytes per entry."""
    return self.dtype.itemsize


def stride(self: Tensor, dim: int | None = None):
    """Steps in entries between neighbours along each dim (0 along a broadcast dim)."""
    steps = tuple(s // self.dtype.itemsize for s in self._data.strides)
    return steps if dim is None else steps[dim]


def is_contiguous(self: Tensor, memory_format=None) -> bool:
    """Whether the entries lie in memory in row-major order without gaps."""
    return bool(self._data.flags.c_contiguous)


def contiguous(self: Tensor, memory_format=None) -> Tensor:
    """This tensor when its entries are row-major without gaps, else a row-major copy."""
    return self if is_contiguous(self) else self.clone()


def nelement(self: Tensor) -> int:
    """The number of entries (numel)."""
    return self.numel()


class LegacyTensorType:
    """PyTorch's legacy constructor and type, e.g. FloatTensor: FloatTensor(data) copies data
    as float32, FloatTensor(d0, d1, ...) makes a tensor of that shape (zeros here; PyTorch leaves
    it uninitialised), FloatTensor() an empty one; isinstance(x, FloatTensor) asks for x's
    dtype, and x.type(FloatTensor) casts to it."""

    def __init__(self, name: str, dtype: dt.DType):
        self.__name__ = self.__qualname__ = name
        self.wl_dtype = dtype
        self.dtype = dtype.np_dtype  # what NumPy (and so wl's dtype lookup) reads

    def __call__(self, *args, device=None) -> Tensor:
        if not args:
            return empty(0, dtype=self.wl_dtype, device=device)
        if all(isinstance(a, numbers.Integral) and not isinstance(a, (bool, np.bool_))
               for a in args):
            return zeros(_shape(args), dtype=self.wl_dtype, device=device)
        if len(args) > 1:
            raise TypeError(f"{self.__name__}: expected data or integer sizes, got {args}")
        return tensor(args[0], dtype=self.wl_dtype, device=device)

    def __instancecheck__(self, x) -> bool:
        return isinstance(x, Tensor) and x.dtype is self.wl_dtype and x.device.type == "cpu"

    def __repr__(self) -> str:
        return f"<class 'wonderland.{self.__name__}'>"


FloatTensor = LegacyTensorType("FloatTensor", dt.float32)
DoubleTensor = LegacyTensorType("DoubleTensor", dt.float64)
HalfTensor = LegacyTensorType("HalfTensor", dt.float16)
LongTensor = LegacyTensorType("LongTensor", dt.int64)
IntTensor = LegacyTensorType("IntTensor", dt.int32)
ShortTensor = LegacyTensorType("ShortTensor", dt.int16)
ByteTensor = LegacyTensorType("ByteTensor", dt.uint8)
CharTensor = LegacyTensorType("CharTensor", dt.int8)
BoolTensor = LegacyTensorType("BoolTensor", dt.bool_)


def new(self: Tensor, *args, dtype=None, device=None) -> Tensor:
    """The legacy x.new(...): x.new(d0, d1) an uninitialised tensor of that shape, x.new(data)
    a copy of data, both with x's dtype and device (unless given)."""
    like = _like_self(self, dtype, device)
    if args and all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args):
        return empty(_shape(args), **like)
    if len(args) > 1:
        raise TypeError(f"new: expected data or integer sizes, got {args}")
    return empty(0, **like) if not args else tensor(args[0], **like)
