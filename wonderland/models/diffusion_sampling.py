"""Sampling and likelihood for a ScoreDiffusion (Song et al. 2021): annealed Langevin dynamics
over the noise levels, the reverse SDE by Euler-Maruyama, the probability-flow ODE through
wonderland.ode, and each example's log-likelihood by that ODE with the exact divergence or
Hutchinson's estimate. The samplers return the samples, or (samples, trajectory) with
trajectory=True: the list of states from the prior's draw to the returned samples."""
from __future__ import annotations

from ..autodiff.trace import PROBES, divergence, draw_probes
from ..core.random import Generator
from ..core.tensor import Tensor
from ..ode import odeint
from ..ops import linspace, randn_like, tensor, zeros

__all__ = ["annealed_langevin", "log_likelihood", "probability_flow", "reverse_sde"]


def _start(model, shape_or_x, generator: Generator | None) -> Tensor:
    """The prior's draw for a shape (on the model's device and dtype), or a given x_T."""
    if isinstance(shape_or_x, Tensor):
        return shape_or_x
    p = next(iter(model.parameters()), None)  # a parameter-free (analytic) net: the defaults
    return model.sde.prior_sample(tuple(shape_or_x), generator, dtype=getattr(p, "dtype", None),
                                  device=getattr(p, "device", None))


def _grid(model, steps: int) -> list[float]:
    if steps < 1:
        raise ValueError(f"diffusion sampling: steps must be positive, got {steps}")
    return linspace(1.0, model.eps, steps + 1).tolist()


def _done(x: Tensor, states: list | None):
    return x if states is None else (x, states)


def _col(c: Tensor, x: Tensor) -> Tensor:
    return c.reshape(c.shape[0], *([1] * (x.ndim - 1)))


def reverse_sde(model, shape_or_x, steps: int = 500, generator: Generator | None = None,
                trajectory: bool = False):
    """Euler-Maruyama on the reverse SDE dx = [f - g^2 score] dt + g dw from t = 1 to eps in
    `steps` equal steps; the last step adds no noise (it returns its mean, Song et al.'s noise
    removal)."""
    x = _start(model, shape_or_x, generator)
    times, states = _grid(model, steps), [x] if trajectory else None
    for i, (a, b) in enumerate(zip(times[:-1], times[1:])):
        h = a - b
        t = tensor([a] * x.shape[0], dtype=x.dtype, device=x.device)
        g = _col(model.sde.diffusion(t), x)
        x = x - (model.sde.drift(x, t) - g * g * model.score(x, t)) * h
        if i < steps - 1:
            x = x + g * randn_like(x, generator=generator) * h ** 0.5
        if states is not None:
            states.append(x)
    return _done(x, states)


def annealed_langevin(model, shape_or_x, steps: int = 500, corrector_steps: int = 1,
                      snr: float = 0.16, generator: Generator | None = None,
                      trajectory: bool = False):
    """Langevin dynamics x <- x + a score(x, t) + sqrt(2 a) z at each of `steps` noise levels t
    from 1 down to eps (corrector_steps updates per level), the step a = 2 (snr |z| / |score|)^2
    with the norms averaged over the batch (Song et al.'s corrector, used alone as in Song &
    Ermon 2019's annealing). The last update keeps its noise: removing it would shrink the
    spread by (1 - a / var)^2, which is visible in low dimensions. The trajectory holds one
    state per level."""
    x = _start(model, shape_or_x, generator)
    times, states = _grid(model, steps)[1:], [x] if trajectory else None
    for level in times:
        t = tensor([level] * x.shape[0], dtype=x.dtype, device=x.device)
        for _ in range(corrector_steps):
            s = model.score(x, t)
            z = randn_like(x, generator=generator)
            s_norm = (s * s).reshape(x.shape[0], -1).sum(1).sqrt().mean()
            z_norm = (z * z).reshape(x.shape[0], -1).sum(1).sqrt().mean()
            a = (z_norm * snr / s_norm) ** 2 * 2
            x = x + s * a + z * (a * 2).sqrt()
        if states is not None:
            states.append(x)
    return _done(x, states)


def probability_flow(model, shape_or_x, steps: int = 100, method: str = "rk4",
                     rtol: float = 1e-5, atol: float = 1e-5, generator: Generator | None = None,
                     trajectory: bool = False):
    """Integrate the probability-flow ODE dx/dt = f - g^2 score / 2 from t = 1 to eps with
    odeint: rk4 or euler take `steps` equal steps; dopri5 meets rtol and atol and reports the
    state at steps + 1 equally spaced times (the trajectory)."""
    x = _start(model, shape_or_x, generator)
    times = tensor(_grid(model, steps), dtype=x.dtype, device=x.device)
    xs = odeint(lambda t, y: model.ode_drift(y, t), x, times, method=method, rtol=rtol,
                atol=atol)
    return _done(xs[-1], list(xs) if trajectory else None)


def log_likelihood(model, x: Tensor, exact: bool = True, hutchinson_samples: int = 1,
                   probe: str = "rademacher", method: str = "dopri5", steps: int = 100,
                   rtol: float = 1e-5, atol: float = 1e-5,
                   generator: Generator | None = None) -> Tensor:
    """Each example's log p(x) under the model's probability-flow ODE: integrate x and the
    divergence of its velocity v from t = eps to 1 and add the prior's log density,
    log p_eps(x) = log N(x_1; 0, I) + int_eps^1 div v(x_t, t) dt. The divergence is exact (one
    vjp per dimension) or, with exact=False, Hutchinson's estimate with hutchinson_samples
    Rademacher or Gaussian probes drawn once for the whole path. rk4/euler take `steps` steps."""
    if probe not in PROBES:
        raise ValueError(f"log_likelihood: probe must be one of {PROBES}, got {probe!r}")
    probes = None if exact else draw_probes(tuple(x.shape), hutchinson_samples, probe, x.dtype,
                                            x.device, generator)

    def f(t: Tensor, state: tuple) -> tuple:
        v, div = divergence(lambda y: model.ode_drift(y, t), state[0].detach(),
                            "exact" if exact else "hutchinson", batched=True, probes=probes)
        return v.detach(), div.detach()

    times = tensor([model.eps, 1.0], dtype=x.dtype, device=x.device)
    if method != "dopri5":
        times = linspace(model.eps, 1.0, steps + 1, dtype=x.dtype, device=x.device)
    start = (x.detach(), zeros(x.shape[0], dtype=x.dtype, device=x.device))
    xs, integral = odeint(f, start, times, method=method, rtol=rtol, atol=atol)
    return model.sde.prior_log_prob(xs[-1]) + integral[-1]
