"""Distances between distributions and samples: closed-form KL between diagonal Gaussians,
Wasserstein-1 between 1-D samples and its sliced version for N-D samples, and MMD with RBF
kernels. Sorting orders are read from the values (piecewise constant); the rest is ops."""
from __future__ import annotations

import numbers
from collections.abc import Sequence

from .. import ops
from ..core.random import Generator
from ..core.tensor import Tensor

__all__ = ["kl_normal", "gaussian_kl_standard", "wasserstein_1d", "sliced_wasserstein", "mmd"]


def kl_normal(mu_p: Tensor, std_p: Tensor, mu_q: Tensor, std_q: Tensor,
              dim: int | tuple[int, ...] | None = None) -> Tensor:
    """KL(N(mu_p, std_p^2) || N(mu_q, std_q^2)) per coordinate (arguments broadcast), summed
    over `dim` when given: a diagonal Gaussian's event dimensions (e.g. dim=-1)."""
    var_ratio = (std_p / std_q) ** 2
    gap = ((mu_p - mu_q) / std_q) ** 2
    kl = 0.5 * (var_ratio + gap - 1 - ops.log(var_ratio))
    return kl if dim is None else kl.sum(dim)


def gaussian_kl_standard(mu: Tensor, logvar: Tensor,
                         dim: int | tuple[int, ...] | None = None) -> Tensor:
    """KL(N(mu, exp(logvar)) || N(0, 1)) per coordinate, summed over `dim` when given: the VAE
    regulariser -0.5 (1 + logvar - mu^2 - exp(logvar))."""
    kl = -0.5 * (1 + logvar - mu * mu - ops.exp(logvar))
    return kl if dim is None else kl.sum(dim)


# --- Wasserstein-1 ----------------------------------------------------------------------------
def _w1_columns(name: str, u: Tensor, v: Tensor, u_weights: Tensor | None = None,
                v_weights: Tensor | None = None) -> Tensor:
    """Wasserstein-1 between each column of u (n, B) and of v (m, B), weights (n, 1|B) and
    (m, 1|B): the integral of |F_u - F_v| over the merged sorted values, as scipy computes it."""
    n, m = u.shape[0], v.shape[0]
    if u_weights is None and v_weights is None and n == m:  # mean |sorted u - sorted v|
        return (ops.sort(u, 0).values - ops.sort(v, 0).values).abs().mean(0)
    pu = ops.full((n, 1), 1.0 / n, dtype=u.dtype, device=u.device) if u_weights is None \
        else u_weights / u_weights.sum(0, keepdim=True)
    pv = ops.full((m, 1), 1.0 / m, dtype=v.dtype, device=v.device) if v_weights is None \
        else v_weights / v_weights.sum(0, keepdim=True)
    z = ops.cat([u, v], 0)
    mass = ops.cat([pu.broadcast_to(u.shape), -pv.broadcast_to(v.shape)], 0)
    order = ops.argsort(z, 0)
    z, mass = ops.gather(z, 0, order), ops.gather(mass, 0, order)
    cdf_gap = ops.cumsum(mass, 0)[:-1]  # F_u - F_v on each interval [z_k, z_k+1)
    return (cdf_gap.abs() * (z[1:] - z[:-1])).sum(0)


def _check_weights(name: str, which: str, weights: Tensor | None, values: Tensor):
    if weights is None:
        return None
    if weights.shape != values.shape:
        raise ValueError(f"{name}: expected {which}_weights of shape {values.shape} (one per "
                         f"value), got {weights.shape}")
    w = weights._values()
    if (w < 0).any() or not w.sum() > 0:
        raise ValueError(f"{name}: {which}_weights must be non-negative with a positive sum")
    return ops.cast(weights, values.dtype).unsqueeze(1)


def wasserstein_1d(u_values: Tensor, v_values: Tensor, u_weights: Tensor | None = None,
                   v_weights: Tensor | None = None) -> Tensor:
    """Wasserstein-1 (earth mover's) distance between two 1-D empirical distributions, each
    value carrying its weight (uniform by default), as scipy.stats.wasserstein_distance.
    Differentiable in the values and the weights."""
    name = "wasserstein_1d"
    for which, x in (("u", u_values), ("v", v_values)):
        if x.ndim != 1 or x.shape[0] == 0:
            raise ValueError(f"{name}: expected {which}_values of shape (n,) with n >= 1, got "
                             f"{x.shape}")
    uw = _check_weights(name, "u", u_weights, u_values)
    vw = _check_weights(name, "v", v_weights, v_values)
    return _w1_columns(name, u_values.unsqueeze(1), v_values.unsqueeze(1), uw, vw)[0]


def sliced_wasserstein(x: Tensor, y: Tensor, num_projections: int = 64,
                       generator: Generator | None = None) -> Tensor:
    """Sliced Wasserstein-1 between samples x (n, D) and y (m, D): the mean over random unit
    directions (the columns of randn(D, num_projections, generator), normalised) of the 1-D
    Wasserstein-1 distance between the projected samples."""
    name = "sliced_wasserstein"
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"{name}: expected samples x (n, D) and y (m, D) with one D, got "
                         f"{x.shape} and {y.shape}")
    if num_projections < 1:
        raise ValueError(f"{name}: num_projections must be positive, got {num_projections}")
    dirs = ops.randn(x.shape[1], num_projections, generator=generator, dtype=x.dtype,
                     device=x.device)
    dirs = dirs / (dirs * dirs).sum(0, keepdim=True).sqrt()
    return _w1_columns(name, x @ dirs, y @ dirs).mean()


# --- maximum mean discrepancy -----------------------------------------------------------------
def _rbf(a: Tensor, b: Tensor, sigmas: Sequence[float]) -> Tensor:
    """sum over sigmas of exp(-|a_i - b_j|^2 / (2 sigma^2)), shape (n, m)."""
    sq = (a * a).sum(1, keepdim=True) + (b * b).sum(1) - 2 * (a @ b.T)
    sq = sq.clip(min=0)  # rounding can leave tiny negatives
    return sum(ops.exp(sq * (-0.5 / s**2)) for s in sigmas)


def mmd(x: Tensor, y: Tensor, sigma: float | Sequence[float] = 1.0,
        unbiased: bool = False) -> Tensor:
    """Squared maximum mean discrepancy between samples x (n, D) and y (m, D) with an RBF kernel
    (the sum of RBF kernels when `sigma` lists several bandwidths). The biased (V-statistic)
    estimate is >= 0; the unbiased one leaves out the i = j terms and may dip below 0."""
    name = "mmd"
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"{name}: expected samples x (n, D) and y (m, D) with one D, got "
                         f"{x.shape} and {y.shape}")
    sigmas = [sigma] if isinstance(sigma, numbers.Number) else list(sigma)
    if not sigmas or any(s <= 0 for s in sigmas):
        raise ValueError(f"{name}: bandwidths must be positive, got {sigma}")
    n, m = x.shape[0], y.shape[0]
    kxx, kyy, kxy = _rbf(x, x, sigmas), _rbf(y, y, sigmas), _rbf(x, y, sigmas)
    if not unbiased:
        return kxx.mean() + kyy.mean() - 2 * kxy.mean()
    if n < 2 or m < 2:
        raise ValueError(f"{name}: the unbiased estimate needs at least 2 samples each, got "
                         f"{n} and {m}")
    off_x = ops.eye(n, dtype=x.dtype, device=x.device) == 0
    off_y = ops.eye(m, dtype=y.dtype, device=y.device) == 0
    xx = ops.where(off_x, kxx, 0.0).sum() / (n * (n - 1))
    yy = ops.where(off_y, kyy, 0.0).sum() / (m * (m - 1))
    return xx + yy - 2 * kxy.mean()
