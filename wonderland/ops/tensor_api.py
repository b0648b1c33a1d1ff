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


def _legacy(dtype: dt.DType, name: str):
    """PyTorch's legacy constructor: Name(data) copies data as `dtype`, Name(d0, d1, ...) makes
    a tensor of that shape (zeros here; PyTorch leaves it uninitialised), Name() an empty one."""

    def make(*args, device=None) -> Tensor:
        if not args:
            return empty(0, dtype=dtype, device=device)
        sizes = all(isinstance(a, numbers.Integral) and not isinstance(a, (bool, np.bool_))
                    for a in args)
        if sizes:
            return zeros(_shape(args), dtype=dtype, device=device)
        if len(args) > 1:
            raise TypeError(f"{name}: expected data or integer sizes, got {args}")
        return tensor(args[0], dtype=dtype, device=device)

    make.__name__ = make.__qualname__ = name
    make.__doc__ = _legacy.__doc__.replace("Name", name).replace("`dtype`", dtype.name)
    return make


FloatTensor = _legacy(dt.float32, "FloatTensor")
DoubleTensor = _legacy(dt.float64, "DoubleTensor")
HalfTensor = _legacy(dt.float16, "HalfTensor")
LongTensor = _legacy(dt.int64, "LongTensor")
IntTensor = _legacy(dt.int32, "IntTensor")
ShortTensor = _legacy(dt.int16, "ShortTensor")
ByteTensor = _legacy(dt.uint8, "ByteTensor")
CharTensor = _legacy(dt.int8, "CharTensor")
BoolTensor = _legacy(dt.bool_, "BoolTensor")
