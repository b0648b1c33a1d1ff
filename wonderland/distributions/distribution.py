"""Distribution: the base class with PyTorch's interface (shapes, sample/rsample, log_prob,
moments, expand) and argument validation against each parameter's constraint."""
from __future__ import annotations

from ..core.grad_mode import no_grad
from ..core.tensor import Tensor
from . import constraints
from .utils import as_float_tensor, extended_shape, lazy_property

_validate_default = True  # PyTorch validates by default (under __debug__)


class Distribution:
    """Base of every distribution: batch_shape (independent copies) and event_shape (one draw)."""

    has_rsample = False
    has_enumerate_support = False
    arg_constraints: dict[str, constraints.Constraint] = {}
    support: constraints.Constraint | None = None

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for distributions built later."""
        global _validate_default
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args: expected a bool, got {value!r}")
        _validate_default = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args: bool | None = None):
        self._batch_shape = tuple(batch_shape)
        self._event_shape = tuple(event_shape)
        self._validate_args = _validate_default if validate_args is None else validate_args
        if self._validate_args:
            self._validate_parameters()

    def _validate_parameters(self) -> None:
        for param, constraint in self.arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue  # checked by the distribution itself, or not at all
            if param not in self.__dict__ and isinstance(getattr(type(self), param, None),
                                                         lazy_property):
                continue  # a parameter derived from the one given (probs from logits)
            value = getattr(self, param)
            valid = constraint.check(value)
            if not bool(valid.all()):
                raise ValueError(
                    f"Expected parameter {param} ({type(value).__name__} of shape "
                    f"{tuple(value.shape)}) of distribution {self!r} to satisfy the "
                    f"constraint {constraint!r}, but found invalid values:\n{value}")

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self._batch_shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self._event_shape

    def expand(self, batch_shape, _instance=None) -> Distribution:
        """The distribution with its parameters broadcast to `batch_shape`."""
        raise NotImplementedError(f"{type(self).__name__}.expand")

    def _expanded(self, cls, batch_shape, _instance, *names: str) -> Distribution:
        """expand's common body: each named tensor attribute the instance holds broadcast to
        batch_shape (its own trailing event dimensions kept), validation as before."""
        new = self._get_checked_instance(cls, _instance)
        batch_shape = tuple(int(s) for s in batch_shape)
        for name in names:
            if name in self.__dict__:
                value = self.__dict__[name]
                setattr(new, name, value.expand(batch_shape + value.shape[len(self._batch_shape):]))
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _get_checked_instance(self, cls, _instance):
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(
                f"Subclass {type(self).__name__} of {cls.__name__} that defines a custom "
                f"__init__ method must also define a custom .expand() method.")
        return type(self).__new__(type(self)) if _instance is None else _instance

    def _extended_shape(self, sample_shape=()) -> tuple[int, ...]:
        return extended_shape(sample_shape, self._batch_shape, self._event_shape)

    def sample(self, sample_shape=()) -> Tensor:
        """A draw of shape sample_shape + batch_shape + event_shape, outside the graph."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        """A reparameterised draw: differentiable in the parameters."""
        raise NotImplementedError(f"{type(self).__name__} has no rsample (has_rsample is False)")

    def sample_n(self, n: int) -> Tensor:
        """n draws (PyTorch's older name for sample((n,)))."""
        return self.sample((n,))

    def log_prob(self, value: Tensor) -> Tensor:
        """The log density (or mass) at value, over the batch."""
        raise NotImplementedError(f"{type(self).__name__}.log_prob")

    def cdf(self, value: Tensor) -> Tensor:
        """P(X <= value), over the batch."""
        raise NotImplementedError(f"{type(self).__name__}.cdf")

    def icdf(self, value: Tensor) -> Tensor:
        """The inverse of cdf: the value below which a draw falls with probability `value`."""
        raise NotImplementedError(f"{type(self).__name__}.icdf")

    def entropy(self) -> Tensor:
        """-E[log p(X)], over the batch."""
        raise NotImplementedError(f"{type(self).__name__}.entropy")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """Every value of a discrete support along a new first dimension (expanded over the
        batch unless expand=False)."""
        raise NotImplementedError(f"{type(self).__name__}.enumerate_support")

    def perplexity(self) -> Tensor:
        """exp(entropy)."""
        return self.entropy().exp()

    @property
    def mean(self) -> Tensor:
        """E[X], of shape batch_shape + event_shape."""
        raise NotImplementedError(f"{type(self).__name__}.mean")

    @property
    def mode(self) -> Tensor:
        """The most likely value."""
        raise NotImplementedError(f"{type(self).__name__}.mode")

    @property
    def variance(self) -> Tensor:
        """Var[X], elementwise over the event."""
        raise NotImplementedError(f"{type(self).__name__}.variance")

    @property
    def stddev(self) -> Tensor:
        """The square root of the variance."""
        return self.variance.sqrt()

    def _validate_sample(self, value) -> Tensor:
        """value as a tensor, checked (when validating) to broadcast with the batch and event
        shapes and to lie in the support; a ValueError says which."""
        value = as_float_tensor(value, self._parameter())
        if not self._validate_args:
            return value
        event = self._event_shape
        if tuple(value.shape[value.ndim - len(event):]) != event or value.ndim < len(event):
            raise ValueError(f"The right-most size of value must match event_shape: "
                             f"{tuple(value.shape)} vs {event}.")
        actual = value.shape[:value.ndim - len(event)]
        for i, j in zip(reversed(actual), reversed(self._batch_shape), strict=False):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: "
                                 f"{tuple(value.shape)} vs {self._batch_shape + event}.")
        support = self.support
        if support is not None and not bool(support.check(value).all()):
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape "
                f"{tuple(value.shape)}) to be within the support ({support!r}) of the "
                f"distribution {self!r}, but found invalid values:\n{value}")
        return value

    def _parameter(self) -> Tensor | None:
        """A tensor parameter (the base distribution's for wrappers), whose dtype numbers take."""
        for v in vars(self).values():
            if isinstance(v, Tensor):
                return v
            if isinstance(v, Distribution):
                return v._parameter()
        return None

    def __repr__(self) -> str:
        names = [k for k in self.arg_constraints if k in self.__dict__]
        args = ", ".join(f"{k}: {self._describe(self.__dict__[k])}" for k in names)
        return f"{type(self).__name__}({args})"

    @staticmethod
    def _describe(value) -> str:
        return f"{value.item():g}" if value.numel() == 1 else f"shape {tuple(value.shape)}"

