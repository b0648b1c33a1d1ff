"""MultivariateNormal(loc, and one of scale_tril, covariance_matrix, precision_matrix): the
Gaussian in n dimensions, held as its Cholesky factor L (covariance L L^T)."""
from __future__ import annotations

import math

from .. import ops
from ..core.tensor import Tensor
from ..ops._convert import broadcast_shape
from . import constraints
from .distribution import Distribution
from .utils import as_float_tensor, lazy_property


def _linalg():
    from .. import linalg  # wl.linalg sits beside this package; imported when first needed

    return linalg


def _diagonal(m: Tensor) -> Tensor:
    return (m * ops.eye(m.shape[-1], dtype=m.dtype, device=m.device)).sum(-1)


def _solve_tril(tril: Tensor, rhs: Tensor) -> Tensor:
    """L^-1 B reading only L's lower triangle, as a triangular solve does (so L's upper
    triangle gets no gradient, as in PyTorch)."""
    return _linalg().solve(tril.tril(), rhs)


def _tril_inverse(tril: Tensor) -> Tensor:
    eye = ops.eye(tril.shape[-1], dtype=tril.dtype, device=tril.device)
    return _solve_tril(tril, eye.expand(tril.shape))


def _precision_to_scale_tril(precision: Tensor) -> Tensor:
    """L with L L^T = P^-1, through the Cholesky factor of P with its rows and columns
    reversed (PyTorch's way: no explicit inverse of P)."""
    flipped = _linalg().cholesky(precision.flip((-2, -1)))
    return _tril_inverse(flipped.flip((-2, -1)).mT)


class MultivariateNormal(Distribution):
    """The normal distribution of mean `loc` (..., n) and covariance given by exactly one of
    `covariance_matrix`, `precision_matrix` or `scale_tril` (lower triangular, positive
    diagonal), each (..., n, n)."""

    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args: bool | None = None):
        loc = as_float_tensor(loc)
        if loc.ndim < 1:
            raise ValueError("MultivariateNormal: loc must be at least one-dimensional.")
        given = {k: v for k, v in (("covariance_matrix", covariance_matrix),
                                   ("precision_matrix", precision_matrix),
                                   ("scale_tril", scale_tril)) if v is not None}
        if len(given) != 1:
            raise ValueError("MultivariateNormal: exactly one of covariance_matrix or "
                             "precision_matrix or scale_tril may be specified.")
        (name, matrix), = given.items()
        matrix = as_float_tensor(matrix, loc)
        if matrix.ndim < 2:
            raise ValueError(f"MultivariateNormal: {name} matrix must be at least "
                             f"two-dimensional, with optional leading batch dimensions")
        n = loc.shape[-1]
        if matrix.shape[-2:] != (n, n):
            raise ValueError(f"MultivariateNormal: {name} of shape {tuple(matrix.shape)} does "
                             f"not match loc of shape {tuple(loc.shape)}: expected (..., {n}, "
                             f"{n})")
        batch_shape = broadcast_shape("MultivariateNormal", matrix.shape[:-2], loc.shape[:-1])
        setattr(self, name, matrix.expand(batch_shape + (n, n)))
        self.loc = loc.expand(batch_shape + (n,))
        super().__init__(batch_shape, (n,), validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = _linalg().cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def expand(self, batch_shape, _instance=None) -> MultivariateNormal:
        new = self._expanded(MultivariateNormal, batch_shape, _instance, "loc",
                             "covariance_matrix", "precision_matrix", "scale_tril")
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        return new

    @lazy_property
    def scale_tril(self) -> Tensor:
        tril = self._unbroadcasted_scale_tril
        return tril.expand(self._batch_shape + self._event_shape * 2)

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        tril = self._unbroadcasted_scale_tril
        return (tril @ tril.mT).expand(self._batch_shape + self._event_shape * 2)

    @lazy_property
    def precision_matrix(self) -> Tensor:
        # (L L^T)^-1 as a function of all of L, as PyTorch's cholesky_inverse differentiates
        tril = self._unbroadcasted_scale_tril
        eye = ops.eye(tril.shape[-1], dtype=tril.dtype, device=tril.device)
        inverse = _linalg().solve(tril, eye.expand(tril.shape))
        return (inverse.mT @ inverse).expand(self._batch_shape + self._event_shape * 2)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        tril = self._unbroadcasted_scale_tril
        return tril.pow(2).sum(-1).expand(self._batch_shape + self._event_shape)

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = ops.randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def _half_log_det(self) -> Tensor:
        return _diagonal(self._unbroadcasted_scale_tril).log().sum(-1)

    def log_prob(self, value) -> Tensor:
        value = self._validate_sample(value)
        diff = value - self.loc
        tril = self._unbroadcasted_scale_tril
        tril = tril.expand(diff.shape[:-1] + tril.shape[-2:])
        m = _solve_tril(tril, diff.unsqueeze(-1)).squeeze(-1).pow(2).sum(-1)
        n = self._event_shape[0]
        return -0.5 * (n * math.log(2 * math.pi) + m) - self._half_log_det()

    def entropy(self) -> Tensor:
        n = self._event_shape[0]
        h = 0.5 * n * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        return h.expand(self._batch_shape) if self._batch_shape else h
