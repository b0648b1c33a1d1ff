"""Elementwise functions of two tensors (add ... pow, maximum) and where(cond, a, b).

The public functions promote dtypes and broadcast first, so every primitive here sees inputs
of one shape and one dtype; BroadcastTo's vjp is the only place broadcasting is undone."""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ..core import dtype as dt
from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ._convert import broadcast_all, elementwise, promote_args
from .batching import batch_elementwise, batch_unary
from .creation import zeros_like


@dataclass(frozen=True)
class Add(Primitive):
    """y = a + b;  dy = da + db"""

    batch = batch_elementwise

    def forward(self, xp, a, b):
        return a + b

    def vjp(self, g, y, a, b):
        return g, g

    def jvp(self, t, y, a, b):
        return t[0] + t[1]


@dataclass(frozen=True)
class Sub(Primitive):
    """y = a - b;  dy = da - db"""

    batch = batch_elementwise

    def forward(self, xp, a, b):
        return a - b

    def vjp(self, g, y, a, b):
        return g, (-g if b.requires_grad else None)

    def jvp(self, t, y, a, b):
        return t[0] - t[1]


@dataclass(frozen=True)
class Mul(Primitive):
    """y = a b;  dy = b da + a db"""

    batch = batch_elementwise

    def forward(self, xp, a, b):
        return a * b

    def vjp(self, g, y, a, b):
        return (g * b if a.requires_grad else None), (g * a if b.requires_grad else None)

    def jvp(self, t, y, a, b):
        return t[0] * b + a * t[1]


@dataclass(frozen=True)
class Div(Primitive):
    """y = a / b;  dy = da / b - y db / b"""

    batch = batch_elementwise

    def forward(self, xp, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):  # IEEE inf and nan, as PyTorch
            return a / b

    def vjp(self, g, y, a, b):
        ga = g / b if a.requires_grad else None
        gb = -(g * y) / b if b.requires_grad else None
        return ga, gb

    def jvp(self, t, y, a, b):
        return (t[0] - y * t[1]) / b


@dataclass(frozen=True)
class Pow(Primitive):
    """y = a^b;  dy = b a^(b-1) da + y log(a) db (da term 0 where b = 0, db term 0 where a = 0)"""

    batch = batch_elementwise

    def forward(self, xp, a, b):
        return xp.power(a, b)

    def _dbase(self, y, a, b):
        # At b = 0 the slope is 0 (as in PyTorch), not 0 * 0^-1 = nan; the exponent is made
        # safe too, so that no nan leaks into higher derivatives through the unused branch.
        zero = b == 0
        return where(zero, 0, b * a ** where(zero, 1, b - 1))

    def _dexp(self, y, a):
        safe = where(a == 0, 1, a)  # log(0) would poison the product with -inf * 0
        return y * safe.log()

    def vjp(self, g, y, a, b):
        ga = g * self._dbase(y, a, b) if a.requires_grad else None
        gb = g * self._dexp(y, a) if b.requires_grad else None
        return ga, gb

    def jvp(self, t, y, a, b):
        out = t[0] * self._dbase(y, a, b)
        if t[1]._values().any():  # a constant exponent comes with zero tangents: skip its log(a)
            out = out + t[1] * self._dexp(y, a)  # term, which is nan for negative bases
        return out


@dataclass(frozen=True)
class PowScalar(Primitive):
    """y = x^p for a fixed number p;  dy = p x^(p-1) dx (0 when p = 0, as in PyTorch)"""

    batch = batch_unary

    exponent: int | float

    def forward(self, xp, x):
        return xp.power(x, x.dtype.type(self.exponent))

    def _times_slope(self, v, x):
        if self.exponent == 0:
            return zeros_like(v)
        return v * (x ** (self.exponent - 1) * self.exponent)

    def vjp(self, g, y, x):
        return (self._times_slope(g, x),)

    def jvp(self, t, y, x):
        return self._times_slope(t[0], x)


class _Extremum(Primitive):
    """Shared rule of maximum and minimum: the winner takes the gradient, ties split it evenly."""

    batch = batch_elementwise

    def _shares(self, y, a, b):
        half = (a == b).to(y.dtype) * 0.5
        wins_a = (a == y).to(y.dtype) - half  # a == y covers both a wins and ties
        return wins_a, 1 - wins_a

    def vjp(self, g, y, a, b):
        sa, sb = self._shares(y, a, b)
        return g * sa, g * sb

    def jvp(self, t, y, a, b):
        sa, sb = self._shares(y, a, b)
        return t[0] * sa + t[1] * sb


@dataclass(frozen=True)
class Maximum(_Extremum):
    """y = max(a, b) elementwise;  dy = da where a > b, db where b > a, (da + db)/2 on ties"""

    def forward(self, xp, a, b):
        return xp.maximum(a, b)


@dataclass(frozen=True)
class Minimum(_Extremum):
    """y = min(a, b) elementwise;  dy = da where a < b, db where b < a, (da + db)/2 on ties"""

    def forward(self, xp, a, b):
        return xp.minimum(a, b)


@dataclass(frozen=True)
class Where(Primitive):
    """y = a where cond else b;  dy = where(cond, da, db)"""

    batch = batch_elementwise

    def forward(self, xp, cond, a, b):
        return xp.where(cond, a, b)

    def vjp(self, g, y, cond, a, b):  # a literal 0, not g * 0, which is nan where g is inf
        return (None, where(cond, g, 0) if a.requires_grad else None,
                where(cond, 0, g) if b.requires_grad else None)

    def jvp(self, t, y, cond, a, b):
        return where(cond, t[1], t[2])


add = elementwise(Add(), "add")
sub = elementwise(Sub(), "sub")
mul = elementwise(Mul(), "mul")
maximum = elementwise(Maximum(), "maximum")
minimum = elementwise(Minimum(), "minimum")
_div = elementwise(Div(), "div")
_pow = elementwise(Pow(), "pow")


def div(a, b, rounding_mode: str | None = None) -> Tensor:
    """True division (integers give floats), or 'floor' / 'trunc' rounding as in PyTorch."""
    a, b = promote_args("div", a, b)
    if rounding_mode is None:
        if not a.is_floating_point:
            from ..core.dtype import get_default_dtype
            from .unary import cast

            a, b = cast(a, get_default_dtype()), cast(b, get_default_dtype())
        return _div(a, b)
    from .rounding import floor_divide, trunc_divide

    if rounding_mode == "floor":
        return floor_divide(a, b)
    if rounding_mode == "trunc":
        return trunc_divide(a, b)
    raise ValueError(f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}")


def pow(a, b) -> Tensor:  # noqa: A001  (the tensor method's name)
    """a ** b elementwise; the exponent may be a tensor (its gradient is y log a).

    A number as exponent gets its own primitive, which has no exponent term at all: a zero
    tangent for a constant exponent would still meet log(a) = nan at negative bases."""
    number = isinstance(b, (numbers.Number, np.number)) and not isinstance(b, (bool, np.bool_))
    if isinstance(a, Tensor) and number:
        from .unary import cast

        exponent = b.item() if isinstance(b, np.number) else b
        return PowScalar(exponent)(cast(a, dt.promote_with_scalar(a.dtype, exponent)))
    return _pow(a, b)


def where(cond, a, b) -> Tensor:
    """Elementwise choice: a where cond is true, else b (numbers allowed for a and b)."""
    if not isinstance(cond, Tensor) or cond.dtype.name != "bool":
        raise TypeError("where: condition must be a bool tensor")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        from .creation import tensor

        a = tensor(a, device=cond.device)
    a, b = promote_args("where", a, b)
    return Where()(*broadcast_all("where", cond, a, b))


def square(x: Tensor) -> Tensor:
    """x ** 2 elementwise."""
    return pow(x, 2)
