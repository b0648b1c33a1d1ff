"""Rounding: floor, ceil, round, trunc (derivative zero, as in PyTorch), floor/trunc division
and remainder."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ._convert import broadcast_all, elementwise, promote_args
from .batching import batch_elementwise
from .precision import in_float32
from .unary import _Step


@dataclass(frozen=True)
class Floor(_Step):
    """y = floor(x);  dy = 0"""

    def forward(self, xp, x):
        return xp.floor(x)


@dataclass(frozen=True)
class Ceil(_Step):
    """y = ceil(x);  dy = 0"""

    def forward(self, xp, x):
        return xp.ceil(x)


@dataclass(frozen=True)
class Round(_Step):
    """y = x rounded to `decimals` places, halves to even;  dy = 0"""

    decimals: int = 0

    def forward(self, xp, x):
        return xp.round(x, self.decimals)


@dataclass(frozen=True)
class Trunc(_Step):
    """y = x rounded toward zero;  dy = 0"""

    def forward(self, xp, x):
        return xp.trunc(x)


class IntegerDivisionByZeroError(ZeroDivisionError, RuntimeError):
    """An integer `//`, `%` or floor/trunc division by zero: PyTorch raises a RuntimeError
    here, Python a ZeroDivisionError; either `except` catches this one."""


@dataclass(frozen=True)
class FloorDivide(Primitive):
    """y = floor(a / b) for integers and floats (no derivative); integers raise on b = 0"""

    batch = batch_elementwise

    differentiable = False

    def forward(self, xp, a, b):
        # NumPy answers 0 (and a warning) for an integer division by zero: a silent wrong answer.
        # Floats follow IEEE (inf, nan), as in PyTorch.
        if xp.issubdtype(b.dtype, xp.integer) and not b.all():
            raise IntegerDivisionByZeroError(f"integer division by zero in //, % or floor_divide: "
                                        f"a divisor of dtype {b.dtype} holds 0 (shapes "
                                        f"{a.shape} and {b.shape})")
        with np.errstate(divide="ignore", invalid="ignore"):  # floats: IEEE, as PyTorch
            return xp.floor_divide(a, b)


def floor(x: Tensor) -> Tensor:
    return Floor()(x) if x.is_floating_point else x


def ceil(x: Tensor) -> Tensor:
    return Ceil()(x) if x.is_floating_point else x


def round(x: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001  (the tensor method's name)
    return Round(int(decimals))(x) if x.is_floating_point else x


def trunc(x: Tensor) -> Tensor:
    return Trunc()(x) if x.is_floating_point else x


_floor_divide = elementwise(FloorDivide(), "floor_divide")


def floor_divide(a, b) -> Tensor:
    """floor(a / b), the `//` operator."""
    return _floor_divide(a, b)


def trunc_divide(a, b) -> Tensor:
    a, b = promote_args("div", a, b)
    if a.is_floating_point:
        return trunc(a / b)
    q = floor_divide(a, b)
    return q + ((q < 0) & (q * b != a)).to(q.dtype)  # floor -> toward zero for negative ratios


@in_float32  # float16's product floor(a / b) b would round before the subtraction
def remainder(a, b) -> Tensor:
    """a - floor(a / b) b, with the sign of b (Python's %); d/da = 1, d/db = -floor(a / b)."""
    a, b = broadcast_all("remainder", *promote_args("remainder", a, b))
    return a - floor_divide(a, b) * b
