"""Comparisons, logical ops and value tests: boolean results, no derivative."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ._convert import elementwise
from .batching import batch_elementwise


class _Predicate(Primitive):
    """A boolean-valued primitive: it has no derivative."""

    batch = batch_elementwise

    differentiable = False


@dataclass(frozen=True)
class Equal(_Predicate):
    """y = a == b"""

    def forward(self, xp, a, b):
        return a == b


@dataclass(frozen=True)
class NotEqual(_Predicate):
    """y = a != b"""

    def forward(self, xp, a, b):
        return a != b


@dataclass(frozen=True)
class Less(_Predicate):
    """y = a < b"""

    def forward(self, xp, a, b):
        return a < b


@dataclass(frozen=True)
class LessEqual(_Predicate):
    """y = a <= b"""

    def forward(self, xp, a, b):
        return a <= b


@dataclass(frozen=True)
class Greater(_Predicate):
    """y = a > b"""

    def forward(self, xp, a, b):
        return a > b


@dataclass(frozen=True)
class GreaterEqual(_Predicate):
    """y = a >= b"""

    def forward(self, xp, a, b):
        return a >= b


@dataclass(frozen=True)
class LogicalAnd(_Predicate):
    """y = a and b (nonzero is true)"""

    def forward(self, xp, a, b):
        return xp.logical_and(a, b)


@dataclass(frozen=True)
class LogicalOr(_Predicate):
    """y = a or b"""

    def forward(self, xp, a, b):
        return xp.logical_or(a, b)


@dataclass(frozen=True)
class LogicalXor(_Predicate):
    """y = a xor b"""

    def forward(self, xp, a, b):
        return xp.logical_xor(a, b)


@dataclass(frozen=True)
class LogicalNot(_Predicate):
    """y = not x"""

    def forward(self, xp, x):
        return xp.logical_not(x)


@dataclass(frozen=True)
class IsNan(_Predicate):
    """y = x is NaN"""

    def forward(self, xp, x):
        return xp.isnan(x)


@dataclass(frozen=True)
class IsInf(_Predicate):
    """y = x is +inf or -inf"""

    def forward(self, xp, x):
        return xp.isinf(x)


eq = elementwise(Equal(), "eq")
ne = elementwise(NotEqual(), "ne")
lt = elementwise(Less(), "lt")
le = elementwise(LessEqual(), "le")
gt = elementwise(Greater(), "gt")
ge = elementwise(GreaterEqual(), "ge")
logical_and = elementwise(LogicalAnd(), "logical_and")
logical_or = elementwise(LogicalOr(), "logical_or")
logical_xor = elementwise(LogicalXor(), "logical_xor")


def logical_not(x: Tensor) -> Tensor:
    return LogicalNot()(x)


def isnan(x: Tensor) -> Tensor:
    return IsNan()(x)


def isinf(x: Tensor) -> Tensor:
    return IsInf()(x)


def isfinite(x: Tensor) -> Tensor:
    return logical_not(logical_or(isnan(x), isinf(x)))


def equal(a: Tensor, b: Tensor) -> bool:
    """True when a and b have the same shape and the same values."""
    return a.shape == b.shape and bool(eq(a, b).all())


def allclose(a: Tensor, b: Tensor, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    return bool(((a - b).abs() <= atol + rtol * b.abs()).all())
