"""Continuous normalising flows (FFJORD, Grathwohl et al. 2019): a field f(t, z) carries data x
at t = 0 to z(1) = x + int_0^1 f dt, and the change of variables in continuous time,
d log p(z(t)) / dt = -tr(df/dz), gives log p(x) = log N(z(1); 0, I) + int_0^1 tr(df/dz) dt. The
trace is exact (one vector-Jacobian product per dimension) or Hutchinson's estimate with probes
drawn once per solve; the solve runs by odeint_adjoint (or backpropagation through odeint), the
divergence differentiable so that the likelihood trains the field. Sampling runs the field back
from a Gaussian draw at t = 1."""
from __future__ import annotations

import math

from ..autodiff.trace import divergence as field_divergence
from ..autodiff.trace import draw_probes
from ..core.grad_mode import no_grad
from ..core.random import Generator
from ..core.tensor import Tensor
from ..nn import Linear, Module, ModuleList
from ..ode import odeint, odeint_adjoint
from ..ops import cat, randn, tensor, zeros

__all__ = ["CNF", "TimeMLP"]


class TimeMLP(Module):
    """f(t, z): an MLP with tanh, the time concatenated to the input of every layer (as
    FFJORD's toy fields condition every layer on t), `layers` hidden layers of `hidden` units."""

    def __init__(self, dim: int = 2, hidden: int = 64, layers: int = 3) -> None:
        super().__init__()
        sizes = [dim] + [hidden] * layers + [dim]
        self.layers = ModuleList(Linear(a + 1, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, t: Tensor, z: Tensor) -> Tensor:
        time = t.to(z.dtype).expand(z.shape[0], 1)
        h = z
        for i, layer in enumerate(self.layers):
            h = layer(cat([h, time], 1))
            if i < len(self.layers) - 1:
                h = h.tanh()
        return h


class CNF(Module):
    """forward(x) -> each point's log density (N,), as RealNVP's. divergence: 'exact' or
    'hutchinson' (one Rademacher probe, fixed along the solve). method, rtol, atol and
    step_size go to the solver; adjoint=True integrates the gradients back by the adjoint."""

    def __init__(self, field: Module, dim: int, divergence: str = "hutchinson",
                 method: str = "dopri5", rtol: float = 1e-5, atol: float = 1e-5,
                 step_size: float | None = None, adjoint: bool = True) -> None:
        super().__init__()
        if divergence not in ("exact", "hutchinson"):
            raise ValueError(f"CNF: divergence must be 'exact' or 'hutchinson', got "
                             f"{divergence!r}")
        self.field, self.dim, self.divergence = field, dim, divergence
        self.method, self.rtol, self.atol, self.step_size = method, rtol, atol, step_size
        self.adjoint = adjoint

    def _solve(self, f, state, times: Tensor):
        opts = {"method": self.method, "rtol": self.rtol, "atol": self.atol,
                "step_size": self.step_size}
        if self.adjoint:
            return odeint_adjoint(f, state, times, adjoint_params=tuple(self.field.parameters()),
                                  **opts)
        return odeint(f, state, times, **opts)

    def log_prob(self, x: Tensor, divergence: str | None = None,
                 generator: Generator | None = None) -> Tensor:
        """log p(x) (N,) with this call's divergence ('exact' or 'hutchinson'; the model's
        own by default)."""
        how = divergence or self.divergence
        probes = None
        if how == "hutchinson":
            probes = draw_probes(tuple(x.shape), 1, "rademacher", x.dtype, x.device, generator)

        def dynamics(t: Tensor, state: tuple) -> tuple:  # (f(t, z), tr df/dz), differentiable
            return field_divergence(lambda y: self.field(t, y), state[0], how, batched=True,
                                    probes=probes, create_graph=True)

        times = tensor([0.0, 1.0], dtype=x.dtype, device=x.device)
        zs, traces = self._solve(dynamics, (x, zeros(x.shape[0], dtype=x.dtype,
                                                     device=x.device)), times)
        z = zs[-1]
        prior = -0.5 * (z * z).sum(1) - 0.5 * self.dim * math.log(2 * math.pi)
        return prior + traces[-1]

    def forward(self, x: Tensor) -> Tensor:
        return self.log_prob(x)

    def sample(self, n: int, generator: Generator | None = None) -> Tensor:
        """n points: Gaussian draws at t = 1 carried back to t = 0 by the field."""
        z = randn(n, self.dim, generator=generator)
        with no_grad():
            xs = self._solve(lambda t, y: self.field(t, y), z, tensor([1.0, 0.0]))
        return xs[-1]

