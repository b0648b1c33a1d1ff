"""Constraints on parameters and supports, by PyTorch's names: each check(value) returns a bool
tensor over the batch (the event dimensions folded in), which argument validation reads."""
from __future__ import annotations

import numpy as np

from .. import ops
from ..core.grad_mode import no_grad
from ..core.tensor import Tensor

__all__ = [
    "Constraint", "boolean", "dependent", "dependent_property", "greater_than",
    "greater_than_eq", "half_open_interval", "independent", "integer_interval", "interval",
    "is_dependent", "less_than", "lower_cholesky", "nonnegative", "nonnegative_integer",
    "positive", "positive_definite", "real", "real_vector", "simplex", "unit_interval",
]


class Constraint:
    """A region of values: check(value) is a bool tensor of value's shape less event_dim dims."""

    is_discrete = False
    event_dim = 0

    def check(self, value: Tensor) -> Tensor:
        raise NotImplementedError

    def __repr__(self) -> str:
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    """Depends on other parameters; it cannot be checked on its own."""

    def __init__(self, *, is_discrete: bool = False, event_dim: int = 0):
        self.is_discrete = is_discrete
        self.event_dim = event_dim

    def __call__(self, *, is_discrete: bool = False, event_dim: int = 0):
        return _Dependent(is_discrete=is_discrete, event_dim=event_dim)

    def check(self, value):
        raise ValueError("cannot determine validity of a dependent constraint")


def is_dependent(constraint) -> bool:
    return isinstance(constraint, _Dependent)


class dependent_property(property, _Dependent):  # noqa: N801  (PyTorch's name)
    """A property of a distribution whose value is a constraint that depends on its parameters
    (Uniform's support, Categorical's), marked dependent when read from the class."""

    def __init__(self, fn=None, *, is_discrete: bool = False, event_dim: int = 0):
        property.__init__(self, fn)
        self.is_discrete = is_discrete
        self.event_dim = event_dim

    def __call__(self, fn):
        return dependent_property(fn, is_discrete=self.is_discrete, event_dim=self.event_dim)


class independent(Constraint):  # noqa: N801  (PyTorch's name)
    """A constraint with `reinterpreted_batch_ndims` more dimensions counted as the event."""

    def __init__(self, base: Constraint, reinterpreted_batch_ndims: int):
        self.base = base
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        self.is_discrete = base.is_discrete
        self.event_dim = base.event_dim + reinterpreted_batch_ndims

    def check(self, value):
        result = self.base.check(value)
        n = self.reinterpreted_batch_ndims
        return result if n == 0 else result.reshape(result.shape[:result.ndim - n] + (-1,)).all(-1)

    def __repr__(self):
        return f"independent({self.base!r}, {self.reinterpreted_batch_ndims})"


class _Elementwise(Constraint):
    def __init__(self, test, name: str, is_discrete: bool = False):
        self._test, self._name, self.is_discrete = test, name, is_discrete

    def check(self, value):
        with no_grad():
            return self._test(value)

    def __repr__(self):
        return self._name


def _bounded(name: str, lower=None, upper=None, lower_closed=True, upper_closed=True):
    def test(v):
        ok = v == v  # false at nan
        if lower is not None:
            ok = ok.logical_and(v >= lower if lower_closed else v > lower)
        if upper is not None:
            ok = ok.logical_and(v <= upper if upper_closed else v < upper)
        return ok

    c = _Elementwise(test, name)
    c.lower_bound, c.upper_bound = lower, upper
    return c


def _show(bound) -> str:
    return f"{bound.item():g}" if isinstance(bound, Tensor) and bound.numel() == 1 else str(bound)


def greater_than(lower_bound) -> Constraint:
    return _bounded(f"GreaterThan(lower_bound={_show(lower_bound)})", lower_bound,
                    lower_closed=False)


def greater_than_eq(lower_bound) -> Constraint:
    return _bounded(f"GreaterThanEq(lower_bound={_show(lower_bound)})", lower_bound)


def less_than(upper_bound) -> Constraint:
    return _bounded(f"LessThan(upper_bound={_show(upper_bound)})", upper=upper_bound,
                    upper_closed=False)


def interval(lower_bound, upper_bound) -> Constraint:
    return _bounded(f"Interval(lower_bound={_show(lower_bound)}, "
                    f"upper_bound={_show(upper_bound)})", lower_bound, upper_bound)


def half_open_interval(lower_bound, upper_bound) -> Constraint:
    return _bounded(f"HalfOpenInterval(lower_bound={_show(lower_bound)}, "
                    f"upper_bound={_show(upper_bound)})", lower_bound, upper_bound,
                    upper_closed=False)


def integer_interval(lower_bound: int, upper_bound) -> Constraint:
    def test(v):
        return (v % 1 == 0).logical_and(v >= lower_bound).logical_and(v <= upper_bound)

    c = _Elementwise(test, f"IntegerInterval(lower_bound={lower_bound}, "
                           f"upper_bound={_show(upper_bound)})", is_discrete=True)
    c.lower_bound, c.upper_bound = lower_bound, upper_bound
    return c


class _Simplex(Constraint):
    event_dim = 1

    def check(self, value):
        with no_grad():
            total = value.sum(-1)
            return (value >= 0).all(-1).logical_and((total - 1).abs() < 1e-6)

    def __repr__(self):
        return "Simplex()"


class _LowerCholesky(Constraint):
    event_dim = 2

    def check(self, value):
        with no_grad():
            lower = (value.tril() == value).reshape(value.shape[:-2] + (-1,)).all(-1)
            diagonal = (value * ops.eye(value.shape[-1], dtype=value.dtype)).sum(-1)
            return lower.logical_and((diagonal > 0).all(-1))

    def __repr__(self):
        return "LowerCholesky()"


class _PositiveDefinite(Constraint):
    event_dim = 2

    def check(self, value):
        a = value.detach().numpy()
        symmetric = np.isclose(a, np.swapaxes(a, -1, -2), atol=1e-6).all((-1, -2))
        with np.errstate(invalid="ignore"):
            positive = np.linalg.eigvalsh(a).min(-1) > 0 if a.size else np.ones(a.shape[:-2])
        return ops.tensor(symmetric & positive, device=value.device)

    def __repr__(self):
        return "PositiveDefinite()"


dependent = _Dependent()
real = _bounded("Real()")
real_vector = independent(real, 1)
positive = greater_than(0.0)
nonnegative = greater_than_eq(0.0)
unit_interval = interval(0.0, 1.0)
boolean = _Elementwise(lambda v: (v == 0).logical_or(v == 1), "Boolean()", is_discrete=True)
nonnegative_integer = _Elementwise(lambda v: (v % 1 == 0).logical_and(v >= 0),
                                   "IntegerGreaterThan(lower_bound=0)", is_discrete=True)
simplex = _Simplex()
lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()
