"""Bernoulli(probs or logits): 1 with probability probs, else 0."""
from __future__ import annotations

import math

from .. import ops
from ..core.tensor import Tensor
from ..ops.sampling import bernoulli
from . import constraints
from .categorical import probs_or_logits
from .distribution import Distribution
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits, softplus


def bce_with_logits(logits: Tensor, target: Tensor) -> Tensor:
    """-(target log sigmoid(logits) + (1 - target) log sigmoid(-logits)), without overflow."""
    return softplus(logits) - logits * target


class Bernoulli(Distribution):
    """A coin: 1 with probability `probs` (or sigmoid(`logits`)), 0 otherwise."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None):
        kind, param = probs_or_logits("Bernoulli", probs, logits)
        (param,) = broadcast_all(param)
        setattr(self, kind, param)
        self._param = param
        super().__init__(param.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> Bernoulli:
        return self._expanded(Bernoulli, batch_shape, _instance, "probs", "logits", "_param")

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._param.shape

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        """1 where probs > 1/2, 0 where below, nan at exactly 1/2 (PyTorch's)."""
        p = self.probs
        return ops.where(p == 0.5, ops.full_like(p, math.nan), (p >= 0.5).type_as(p))

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()) -> Tensor:
        probs = self.probs.detach().expand(self._extended_shape(sample_shape))
        return bernoulli(probs)

    def log_prob(self, value) -> Tensor:
        value = self._validate_sample(value)
        logits, value = ops.broadcast_tensors(self.logits, value.type_as(self.logits))
        return -bce_with_logits(logits, value)

    def entropy(self) -> Tensor:
        return bce_with_logits(self.logits, self.probs)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = ops.arange(2, dtype=self._param.dtype)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + self._batch_shape) if expand else values
