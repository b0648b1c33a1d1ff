"""wonderland.ode: odeint(f, y0, t) integrates dy/dt = f(t, y) and returns the states at the
times of t, by fixed-grid Euler or RK4 or adaptive Dormand-Prince 5(4) (torchdiffeq's forward
signature); y may be a tensor or a tuple of tensors."""
from __future__ import annotations

from collections.abc import Callable

from ..core.tensor import Tensor
from ..ops import stack
from . import solvers

__all__ = ["METHODS", "odeint"]

METHODS = ("euler", "rk4", "dopri5")


def odeint(f: Callable, y0, t: Tensor, method: str = "dopri5", rtol: float = 1e-7,
           atol: float = 1e-9, step_size: float | None = None, max_steps: int = 100_000):
    """Solve dy/dt = f(t, y), y(t[0]) = y0, at the times of the 1-D tensor t (increasing or
    decreasing). f receives a 0-d time tensor and a state shaped like y0 and returns its
    derivative shaped the same. Returns the states stacked along a new first dimension of len(t)
    (a tuple of such stacks when y0 is a tuple). Euler and RK4 take one step per interval of t,
    or steps of at most step_size; dopri5 picks its own steps to meet rtol and atol."""
    if not isinstance(t, Tensor) or t.ndim != 1 or t.shape[0] < 1:
        raise ValueError(f"odeint: t must be a 1-D tensor of times, got "
                         f"{getattr(t, 'shape', type(t).__name__)}")
    times = t.tolist()
    steps = [b - a for a, b in zip(times[:-1], times[1:])]
    if steps and not (all(s > 0 for s in steps) or all(s < 0 for s in steps)):
        raise ValueError("odeint: t must be strictly increasing or strictly decreasing")
    if step_size is not None and step_size <= 0:
        raise ValueError(f"odeint: step_size must be positive, got {step_size}")
    single = isinstance(y0, Tensor)
    state = (y0,) if single else tuple(y0)
    if not state or not all(isinstance(y, Tensor) for y in state):
        raise TypeError("odeint: y0 must be a tensor or a non-empty tuple of tensors")
    func = (lambda s, y: (f(s, y[0]),)) if single else (lambda s, y: tuple(f(s, y)))
    if method in solvers.FIXED_STEPS:
        ys = solvers.fixed_grid(solvers.FIXED_STEPS[method], func, state, t, step_size)
    elif method == "dopri5":
        ys = solvers.dopri5(func, state, t, rtol, atol, max_steps)
    else:
        raise ValueError(f"odeint: unknown method {method!r}; choose one of {METHODS}")
    out = tuple(stack([y[i] for y in ys]) for i in range(len(state)))
    return out[0] if single else out
