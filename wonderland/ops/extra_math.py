"""More elementwise math as primitives: hyperbolic and inverse trig functions, base-2 and
base-10 logarithms, exp2 and atan2 (each a NumPy ufunc forward, so exact where NumPy is)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ._convert import elementwise, promote_args
from .batching import batch_elementwise, batch_unary


@dataclass(frozen=True)
class Sinh(Primitive):
    """y = sinh(x);  dy = cosh(x) dx"""

    batch = batch_unary

    def forward(self, xp, x):
        return xp.sinh(x)

    def vjp(self, g, y, x):
        return (g * cosh(x),)

    def jvp(self, t, y, x):
        return t[0] * cosh(x)


@dataclass(frozen=True)
class Cosh(Primitive):
    """y = cosh(x);  dy = sinh(x) dx"""

    batch = batch_unary

    def forward(self, xp, x):
        return xp.cosh(x)

    def vjp(self, g, y, x):
        return (g * sinh(x),)

    def jvp(self, t, y, x):
        return t[0] * sinh(x)


def _inv_sqrt_one_minus_square(x: Tensor) -> Tensor:
    return (1 - x * x).rsqrt()


@dataclass(frozen=True)
class Asin(Primitive):
    """y = asin(x);  dy = dx / sqrt(1 - x^2)"""

    batch = batch_unary

    def forward(self, xp, x):
        with np.errstate(invalid="ignore"):  # |x| > 1: nan, as PyTorch
            return xp.arcsin(x)

    def vjp(self, g, y, x):
        return (g * _inv_sqrt_one_minus_square(x),)

    def jvp(self, t, y, x):
        return t[0] * _inv_sqrt_one_minus_square(x)


@dataclass(frozen=True)
class Acos(Primitive):
    """y = acos(x);  dy = -dx / sqrt(1 - x^2)"""

    batch = batch_unary

    def forward(self, xp, x):
        with np.errstate(invalid="ignore"):  # |x| > 1: nan, as PyTorch
            return xp.arccos(x)

    def vjp(self, g, y, x):
        return (-g * _inv_sqrt_one_minus_square(x),)

    def jvp(self, t, y, x):
        return -t[0] * _inv_sqrt_one_minus_square(x)


@dataclass(frozen=True)
class Atan(Primitive):
    """y = atan(x);  dy = dx / (1 + x^2)"""

    batch = batch_unary

    def forward(self, xp, x):
        return xp.arctan(x)

    def vjp(self, g, y, x):
        return (g / (x * x + 1),)

    def jvp(self, t, y, x):
        return t[0] / (x * x + 1)


@dataclass(frozen=True)
class Log2(Primitive):
    """y = log2(x);  dy = dx / (x ln 2)"""

    batch = batch_unary

    def forward(self, xp, x):
        with np.errstate(divide="ignore", invalid="ignore"):  # -inf at 0, nan below, as PyTorch
            return xp.log2(x)

    def vjp(self, g, y, x):
        return (g / (x * math.log(2)),)

    def jvp(self, t, y, x):
        return t[0] / (x * math.log(2))


@dataclass(frozen=True)
class Log10(Primitive):
    """y = log10(x);  dy = dx / (x ln 10)"""

    batch = batch_unary

    def forward(self, xp, x):
        with np.errstate(divide="ignore", invalid="ignore"):  # -inf at 0, nan below, as PyTorch
            return xp.log10(x)

    def vjp(self, g, y, x):
        return (g / (x * math.log(10)),)

    def jvp(self, t, y, x):
        return t[0] / (x * math.log(10))


@dataclass(frozen=True)
class Exp2(Primitive):
    """y = 2^x;  dy = y ln 2 dx"""

    batch = batch_unary

    def forward(self, xp, x):
        with np.errstate(over="ignore"):  # inf beyond the dtype's range, as PyTorch
            return xp.exp2(x)

    def vjp(self, g, y, x):
        return (g * y * math.log(2),)

    def jvp(self, t, y, x):
        return t[0] * y * math.log(2)


@dataclass(frozen=True)
class Atan2(Primitive):
    """y = atan2(a, b) (the angle of the point (b, a));  dy = (b da - a db) / (a^2 + b^2)"""

    batch = batch_elementwise

    def forward(self, xp, a, b):
        return xp.arctan2(a, b)

    def vjp(self, g, y, a, b):
        scale = g / (a * a + b * b)
        return (scale * b if a.requires_grad else None), (-scale * a if b.requires_grad else None)

    def jvp(self, t, y, a, b):
        return (t[0] * b - a * t[1]) / (a * a + b * b)


def _floating(name: str, prim: Primitive):
    """The public function of a unary primitive; integers become the default float dtype, as
    PyTorch's sinh, log2 ... do."""

    def op(x: Tensor) -> Tensor:
        if not x.is_floating_point:
            from ..core.dtype import get_default_dtype

            x = x.to(get_default_dtype())
        return prim(x)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = type(prim).__doc__
    return op


sinh = _floating("sinh", Sinh())
cosh = _floating("cosh", Cosh())
asin = _floating("asin", Asin())
acos = _floating("acos", Acos())
atan = _floating("atan", Atan())
log2 = _floating("log2", Log2())
log10 = _floating("log10", Log10())
exp2 = _floating("exp2", Exp2())
arcsin, arccos, arctan = asin, acos, atan
_atan2 = elementwise(Atan2(), "atan2")


def atan2(input: Tensor, other) -> Tensor:  # noqa: A002  (PyTorch's argument name)
    """The angle of the point (other, input) in (-pi, pi]; integers become floats."""
    a, b = promote_args("atan2", input, other)
    if not a.is_floating_point:
        from ..core.dtype import get_default_dtype

        a, b = a.to(get_default_dtype()), b.to(get_default_dtype())
    return _atan2(a, b)


arctan2 = atan2
