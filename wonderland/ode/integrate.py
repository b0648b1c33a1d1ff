"""odeint: the public solve over any pytree of tensors (a tensor, tuples, lists, dicts),
flattened to the tuple of tensors the solvers step, and stacked back into the same structure."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..autodiff.pytree import TreeSpec, tree_flatten, tree_flatten_as, tree_unflatten
from ..core.tensor import Tensor
from ..ops import stack
from . import solvers

METHODS = ("euler", "midpoint", "rk4", "dopri5")


@dataclass(frozen=True)
class Options:
    """How to solve: the method, its tolerances (dopri5) or its step (the fixed-grid methods)."""

    method: str = "dopri5"
    rtol: float = 1e-7
    atol: float = 1e-9
    step_size: float | None = None
    max_steps: int = 100_000

    def check(self, who: str) -> Options:
        if self.method not in METHODS:
            raise ValueError(f"{who}: unknown method {self.method!r}; choose one of {METHODS}")
        if self.step_size is not None and self.step_size <= 0:
            raise ValueError(f"{who}: step_size must be positive, got {self.step_size}")
        return self


def check_times(t: Tensor, who: str) -> None:
    """t must be a 1-D tensor of strictly monotonic times."""
    if not isinstance(t, Tensor) or t.ndim != 1 or t.shape[0] < 1:
        raise ValueError(f"{who}: t must be a 1-D tensor of times, got "
                         f"{getattr(t, 'shape', type(t).__name__)}")
    times = t.tolist()
    steps = [b - a for a, b in zip(times[:-1], times[1:])]
    if steps and not (all(s > 0 for s in steps) or all(s < 0 for s in steps)):
        raise ValueError(f"{who}: t must be strictly increasing or strictly decreasing")


def flatten_state(y0, who: str) -> tuple[tuple[Tensor, ...], TreeSpec]:
    """(the leaves of y0 as a tuple of tensors, its structure)."""
    leaves, spec = tree_flatten(y0)
    if not leaves or not all(isinstance(y, Tensor) for y in leaves):
        raise TypeError(f"{who}: y0 must be a tensor or a non-empty pytree (tuple, list, dict) "
                        f"of tensors, got {type(y0).__name__}")
    return tuple(leaves), spec


def flat_dynamics(f: Callable, spec: TreeSpec, who: str) -> solvers.Func:
    """f(t, y) on the structured state, as a function of the flat tuple of leaves."""
    def func(s: Tensor, y: tuple) -> tuple:
        out = f(s, tree_unflatten(spec, y))
        try:
            return tuple(tree_flatten_as(spec, out))
        except ValueError as e:
            raise ValueError(f"{who}: f must return the derivative shaped like the state "
                             f"{spec}: {e}") from None
    return func


def solve(func: solvers.Func, state: tuple, t: Tensor, opts: Options) -> list:
    """The flat states at each time of t."""
    if opts.method == "dopri5":
        return solvers.dopri5(func, state, t, opts.rtol, opts.atol, opts.max_steps)
    return solvers.fixed_grid(solvers.FIXED_STEPS[opts.method], func, state, t, opts.step_size)


def stack_states(ys: list, n: int) -> tuple[Tensor, ...]:
    """The i-th leaf of every state stacked along a new first dimension, for each leaf i."""
    return tuple(stack([y[i] for y in ys]) for i in range(n))


def odeint(f: Callable, y0, t: Tensor, method: str = "dopri5", rtol: float = 1e-7,
           atol: float = 1e-9, step_size: float | None = None, max_steps: int = 100_000):
    """Solve dy/dt = f(t, y), y(t[0]) = y0, at the times of the 1-D tensor t (increasing or
    decreasing). f receives a 0-d time tensor and a state shaped like y0 and returns its
    derivative shaped the same. y0 is a tensor or a pytree of tensors; the result has its
    structure, each leaf the states stacked along a new first dimension of len(t). Euler,
    midpoint and RK4 take one step per interval of t, or steps of at most step_size; dopri5 picks
    its own steps to meet rtol and atol. Gradients flow back through every step (memory grows
    with the steps; odeint_adjoint keeps it constant)."""
    opts = Options(method, rtol, atol, step_size, max_steps).check("odeint")
    check_times(t, "odeint")
    state, spec = flatten_state(y0, "odeint")
    ys = solve(flat_dynamics(f, spec, "odeint"), state, t, opts)
    return tree_unflatten(spec, stack_states(ys, len(state)))
