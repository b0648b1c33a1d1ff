"""Score-based diffusion (Song et al. 2021): the variance-preserving SDE, a model trained by
denoising score matching in the epsilon parameterisation (the network predicts the noise, the
score is -net(x, t) / std(t)), a small time-conditioned MLP for points, and the samplers and
likelihood of diffusion_sampling.py re-exported here."""
from __future__ import annotations

import math

from ..core.random import Generator
from ..core.tensor import Tensor
from ..functional import silu
from ..nn import Linear, Module, ModuleList
from ..ops import cat, full, rand, randn, randn_like
from .diffusion_sampling import annealed_langevin, log_likelihood, probability_flow, reverse_sde
from .unet import timestep_embedding

__all__ = ["VPSDE", "ScoreDiffusion", "ScoreMLP", "annealed_langevin", "log_likelihood",
           "probability_flow", "reverse_sde"]


def _times(t, x: Tensor) -> Tensor:
    """t as an (N,) tensor for a batch x: a number or 0-d tensor is repeated N times."""
    if isinstance(t, Tensor) and t.ndim == 1:
        return t
    return full((x.shape[0],), float(t), dtype=x.dtype, device=x.device)


def per_example(c: Tensor, x: Tensor) -> Tensor:
    """(N,) coefficients shaped (N, 1, ..., 1) to multiply a batch x."""
    return c.reshape(c.shape[0], *([1] * (x.ndim - 1)))


class VPSDE:
    """dx = -beta(t) x / 2 dt + sqrt(beta(t)) dw on t in [0, 1], beta linear from beta_min to
    beta_max; x_t | x_0 ~ N(mean(t) x_0, std(t)^2 I) with mean(t) = exp(-B(t) / 2),
    B(t) = int_0^t beta, std(t)^2 = 1 - mean(t)^2; the prior at t = 1 is N(0, I)."""

    def __init__(self, beta_min: float = 0.1, beta_max: float = 20.0) -> None:
        if not 0 <= beta_min <= beta_max:
            raise ValueError(f"VPSDE: need 0 <= beta_min <= beta_max, got {beta_min}, "
                             f"{beta_max}")
        self.beta_min, self.beta_max = float(beta_min), float(beta_max)

    def beta(self, t: Tensor) -> Tensor:
        return self.beta_min + t * (self.beta_max - self.beta_min)

    def marginal_mean_std(self, t: Tensor) -> tuple[Tensor, Tensor]:
        """(mean(t), std(t)) of x_t given x_0: x_t = mean(t) x_0 + std(t) z."""
        log_mean = -0.25 * t * t * (self.beta_max - self.beta_min) - 0.5 * t * self.beta_min
        return log_mean.exp(), (-(2 * log_mean).expm1()).sqrt()

    def drift(self, x: Tensor, t: Tensor) -> Tensor:
        """f(x, t) = -beta(t) x / 2, t of shape (N,)."""
        return per_example(self.beta(t), x) * x * -0.5

    def diffusion(self, t: Tensor) -> Tensor:
        """g(t) = sqrt(beta(t))."""
        return self.beta(t).sqrt()

    def prior_sample(self, shape, generator: Generator | None = None, dtype=None,
                     device=None) -> Tensor:
        return randn(*shape, generator=generator, dtype=dtype, device=device)

    def prior_log_prob(self, z: Tensor) -> Tensor:
        """log N(z; 0, I) per example (summed over the non-batch dimensions)."""
        d = z[0].numel()
        return (z * z).reshape(z.shape[0], -1).sum(1) * -0.5 - 0.5 * d * math.log(2 * math.pi)


class ScoreDiffusion(Module):
    """A noise network net(x_t, t) -> epsilon-hat shaped like x, for (N,) times in [eps, 1].
    forward(x) gives each example's denoising score matching loss
    |net(x_t, t) - z|^2 = |std(t) score(x_t, t) + z|^2 summed over its dimensions, with
    t ~ U(eps, 1), z ~ N(0, I) and x_t = mean(t) x + std(t) z (t and z may be given)."""

    def __init__(self, net: Module, sde: VPSDE | None = None, eps: float = 1e-5) -> None:
        super().__init__()
        if not 0 < eps < 1:
            raise ValueError(f"ScoreDiffusion: eps must lie in (0, 1), got {eps}")
        self.net, self.sde, self.eps = net, sde or VPSDE(), float(eps)

    def forward(self, x: Tensor, t: Tensor | None = None, noise: Tensor | None = None,
                generator: Generator | None = None) -> Tensor:
        if t is None:
            t = rand(x.shape[0], generator=generator, dtype=x.dtype, device=x.device)
            t = t * (1 - self.eps) + self.eps
        z = randn_like(x, generator=generator) if noise is None else noise
        mean, std = self.sde.marginal_mean_std(t)
        xt = per_example(mean, x) * x + per_example(std, x) * z
        err = self.net(xt, t) - z
        return (err * err).reshape(x.shape[0], -1).sum(1)

    def score(self, x: Tensor, t) -> Tensor:
        """grad_x log p_t(x) = -net(x, t) / std(t); t a number or (N,) times."""
        t = _times(t, x)
        return -self.net(x, t) / per_example(self.sde.marginal_mean_std(t)[1], x)

    def ode_drift(self, x: Tensor, t) -> Tensor:
        """The probability-flow ODE's velocity f(x, t) - g(t)^2 score(x, t) / 2."""
        t = _times(t, x)
        g2 = per_example(self.sde.diffusion(t) ** 2, x)
        return self.sde.drift(x, t) - g2 * self.score(x, t) * 0.5


class ScoreMLP(Module):
    """A noise network for points: [x, sinusoidal features of 1000 t] -> `layers` Linear + SiLU
    of width `hidden` -> Linear back to dim."""

    def __init__(self, dim: int = 2, hidden: int = 128, layers: int = 3,
                 time_dim: int = 32) -> None:
        super().__init__()
        widths = [dim + time_dim] + [hidden] * layers
        self.time_dim = time_dim
        self.hidden = ModuleList([Linear(a, b) for a, b in zip(widths[:-1], widths[1:])])
        self.out = Linear(hidden, dim)

    def forward(self, x: Tensor, t: Tensor) -> Tensor:
        h = cat([x, timestep_embedding(t * 1000.0, self.time_dim)], 1)
        for layer in self.hidden:
            h = silu(layer(h))
        return self.out(h)
