"""Helpers the distributions share: parameters as broadcast tensors, probs <-> logits, softplus,
summing the rightmost dimensions, and a lazily computed attribute."""
from __future__ import annotations

import math
from numbers import Number

import numpy as np

from .. import ops
from ..core import dtype as dt
from ..core.random import get_generator
from ..core.tensor import Tensor


def broadcast_all(*values) -> list[Tensor]:
    """Tensors and numbers as tensors of one broadcast shape; numbers take the first tensor's
    dtype and device (the default float dtype when there is none), as PyTorch's."""
    if not all(isinstance(v, (Tensor, Number)) for v in values):
        raise TypeError(f"expected tensors or numbers, got {[type(v).__name__ for v in values]}")
    like = next((v for v in values if isinstance(v, Tensor)), None)
    dtype = like.dtype if like is not None and like.is_floating_point else dt.get_default_dtype()
    device = None if like is None else like.device
    tensors = [v if isinstance(v, Tensor) else ops.tensor(float(v), dtype=dtype, device=device)
               for v in values]
    return ops.broadcast_tensors(*tensors)


def as_float_tensor(value, like: Tensor | None = None) -> Tensor:
    """A value given to log_prob, cdf, ... as a tensor (numbers take `like`'s dtype)."""
    if isinstance(value, Tensor):
        return value
    dtype = like.dtype if like is not None else dt.get_default_dtype()
    return ops.tensor(value, dtype=dtype, device=None if like is None else like.device)


def eps(x: Tensor) -> float:
    return float(np.finfo(x.dtype.np_dtype).eps)


def tiny(x: Tensor) -> float:
    return float(np.finfo(x.dtype.np_dtype).tiny)


def clamp_probs(probs: Tensor) -> Tensor:
    """Probabilities kept off 0 and 1 by the dtype's eps, so their logs stay finite."""
    e = eps(probs)
    return probs.clamp(e, 1 - e)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    p = clamp_probs(probs)
    return p.log() - (-p).log1p() if is_binary else p.log()


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    if is_binary:
        return logits.sigmoid()
    return (logits - logits.logsumexp(-1, keepdim=True)).exp()


def softplus(x: Tensor) -> Tensor:
    """log(1 + exp(x)) without overflow."""
    return ops.maximum(x, ops.zeros_like(x)) + (-x.abs()).exp().log1p()


def sum_rightmost(x: Tensor, dims: int) -> Tensor:
    """x summed over its `dims` rightmost dimensions."""
    return x if dims == 0 else x.reshape(x.shape[:x.ndim - dims] + (-1,)).sum(-1)


def extended_shape(sample_shape, batch_shape, event_shape) -> tuple[int, ...]:
    if isinstance(sample_shape, int):
        sample_shape = (sample_shape,)
    return tuple(int(s) for s in sample_shape) + tuple(batch_shape) + tuple(event_shape)


LOG_SQRT_2PI = math.log(math.sqrt(2 * math.pi))


class lazy_property:  # noqa: N801  (PyTorch's name)
    """An attribute computed on first reading and then stored on the instance (probs from logits,
    logits from probs)."""

    def __init__(self, fn):
        self.fn = fn
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = self.fn(instance)
        setattr(instance, self.fn.__name__, value)
        return value


def standard_gamma(concentration: Tensor) -> Tensor:
    """Gamma(concentration, 1) draws from the default generator, kept >= the dtype's tiny so
    that their logs stay finite (PyTorch's clamp). When concentration requires grad the draw is
    reparameterised implicitly: dz/da = -(dF(z; a)/da) / f(z; a), F the gamma CDF held fixed
    (Figurnov et al. 2018, as PyTorch's rsample); first derivatives only."""
    a = concentration.detach().numpy()
    z = get_generator(None).standard_gamma(a)
    z = np.maximum(z, np.finfo(a.dtype).tiny).astype(a.dtype)
    draw = ops.tensor(z, device=concentration.device)
    if not concentration.requires_grad:
        return draw
    slope = ops.tensor(_gamma_slope(z.astype(np.float64), a.astype(np.float64)).astype(a.dtype),
                       device=concentration.device)
    return draw + (concentration - concentration.detach()) * slope


def _gamma_slope(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """dz/da at a fixed CDF value: dF/da by central differences of SciPy's gammainc (step
    1e-5 a: about 1e-10 relative), over the density."""
    try:
        from scipy.special import gammainc, gammaln
    except ImportError:  # pragma: no cover - depends on what is installed
        raise NotImplementedError("rsample of Gamma, Beta and Dirichlet needs SciPy "
                                  "(pip install scipy); sample() works without it") from None
    h = 1e-5 * a
    dcdf = (gammainc(a + h, z) - gammainc(a - h, z)) / (2 * h)
    with np.errstate(over="ignore", under="ignore"):
        density = np.exp((a - 1) * np.log(z) - z - gammaln(a))
        slope = np.where(density > 0, -dcdf / np.where(density > 0, density, 1.0), 0.0)
    return slope
