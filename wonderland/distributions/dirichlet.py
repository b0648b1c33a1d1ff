"""Dirichlet(concentration): points of the simplex, with density prod x_i^(c_i - 1) / B(c)."""
from __future__ import annotations

from .. import ops
from ..core.tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import as_float_tensor, clamp_probs, standard_gamma


class Dirichlet(Distribution):
    """The Dirichlet distribution over the last dimension of `concentration` (all positive)."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args: bool | None = None):
        concentration = as_float_tensor(concentration)
        if concentration.ndim < 1:
            raise ValueError("Dirichlet: `concentration` parameter must be at least "
                             "one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None) -> Dirichlet:
        return self._expanded(Dirichlet, batch_shape, _instance, "concentration")

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        """(c - 1) normalised; where every c < 1, the corner of the largest (PyTorch's)."""
        c = self.concentration
        above = (c - 1).clamp(min=0)
        total = above.sum(-1, keepdim=True)
        # where every c < 1 the corner is taken: divide by 1 there, so no 0/0 reaches the slopes
        mode = above / ops.where(total > 0, total, ops.ones_like(total))
        corner = ops.one_hot(mode.argmax(-1), c.shape[-1]).type_as(c)
        return ops.where((c < 1).all(-1, keepdim=True), corner, mode)

    @property
    def variance(self) -> Tensor:
        c = self.concentration
        total = c.sum(-1, keepdim=True)
        return c * (total - c) / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=()) -> Tensor:
        """Normalised Gamma(c, 1) draws, differentiable through the gammas' implicit slopes."""
        g = standard_gamma(self.concentration.expand(self._extended_shape(sample_shape)))
        return clamp_probs(g / g.sum(-1, keepdim=True))

    def log_prob(self, value) -> Tensor:
        value = self._validate_sample(value)
        c = self.concentration
        return (((c - 1) * value.log()).sum(-1) + ops.lgamma(c.sum(-1))
                - ops.lgamma(c).sum(-1))

    def entropy(self) -> Tensor:
        c = self.concentration
        k = c.shape[-1]
        total = c.sum(-1)
        return (ops.lgamma(c).sum(-1) - ops.lgamma(total) - (k - total) * ops.digamma(total)
                - ((c - 1.0) * ops.digamma(c)).sum(-1))
