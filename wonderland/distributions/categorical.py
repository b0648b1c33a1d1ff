"""Categorical(probs or logits): one of K classes, the last dimension of the parameter."""
from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..core.tensor import Tensor
from ..ops.sampling import multinomial
from . import constraints
from .distribution import Distribution
from .utils import as_float_tensor, lazy_property, logits_to_probs, probs_to_logits


def probs_or_logits(name: str, probs, logits) -> tuple[str, Tensor]:
    """Which of probs and logits was given (exactly one must be), as a float tensor."""
    if (probs is None) == (logits is None):
        raise ValueError(f"{name}: either `probs` or `logits` must be specified, but not both.")
    return ("probs", as_float_tensor(probs)) if logits is None else \
        ("logits", as_float_tensor(logits))


class Categorical(Distribution):
    """Classes 0 .. K-1 with probabilities `probs` (normalised over the last dimension) or
    unnormalised log-probabilities `logits`."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None):
        kind, param = probs_or_logits("Categorical", probs, logits)
        if param.ndim < 1:
            raise ValueError(f"Categorical: `{kind}` parameter must be at least one-dimensional.")
        if kind == "probs":
            self.probs = param / param.sum(-1, keepdim=True)
        else:
            self.logits = param - param.logsumexp(-1, keepdim=True)
        self._param = param
        self._num_events = param.shape[-1]
        super().__init__(param.shape[:-1], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> Categorical:
        new = self._expanded(Categorical, batch_shape, _instance, "probs", "logits", "_param")
        new._num_events = self._num_events
        return new

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._param.shape

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def mean(self) -> Tensor:
        return ops.full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(-1)

    @property
    def variance(self) -> Tensor:
        return ops.full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    def sample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        n = int(np.prod(shape[:len(shape) - len(self._batch_shape)], dtype=np.int64))
        probs_2d = self.probs.detach().reshape(-1, self._num_events)
        draws = multinomial(probs_2d, n, replacement=True)  # (batch, n)
        return draws.t().reshape(shape)

    def log_prob(self, value) -> Tensor:
        value = self._validate_sample(value).long()
        value, log_pmf = ops.broadcast_tensors(value.unsqueeze(-1), self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self) -> Tensor:
        lowest = float(np.finfo(self.logits.dtype.np_dtype).min)
        return -(self.logits.clamp(min=lowest) * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = ops.arange(self._num_events).reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + self._batch_shape) if expand else values
