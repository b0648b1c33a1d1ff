"""odeint_adjoint: the solution of odeint with its gradients by the adjoint method (Chen et al.
2018). The forward solve records nothing; the backward pass integrates, from the last time to the
first, the state together with its adjoint a = dL/dy and the parameters' adjoint:

    dy/dt = f(t, y),   da/dt = -a^T df/dy,   da_theta/dt = -a^T df/dtheta,

adding each output's cotangent to a as it passes that output's time. Each vector-Jacobian product
is one reverse pass through a single evaluation of f, so memory does not grow with the number of
steps. The times' gradients are dL/dt_i = g_i . f(t_i, y_i) for the later times, and
-a(t_0) . f(t_0, y_0) for the first, a(t_0) being the adjoint carried back from the later
outputs."""
from __future__ import annotations

from collections.abc import Callable

from ..autodiff.custom import custom_vjp
from ..autodiff.pytree import tree_unflatten
from ..autodiff.reverse import grad
from ..core.grad_mode import enable_grad, is_grad_enabled, no_grad
from ..core.tensor import Tensor
from ..ops import stack, zeros_like
from .integrate import (
    Options,
    check_times,
    flat_dynamics,
    flatten_state,
    solve,
    stack_states,
)
from .solvers import axpy


def odeint_adjoint(f: Callable, y0, t: Tensor, method: str = "dopri5", rtol: float = 1e-7,
                   atol: float = 1e-9, step_size: float | None = None,
                   max_steps: int = 100_000, adjoint_params=None, adjoint_rtol: float | None = None,
                   adjoint_atol: float | None = None):
    """odeint(f, y0, t, ...) with gradients by the adjoint method. Gradients reach y0, t and the
    adjoint_params: by default the parameters of f when f is a Module (as torchdiffeq), else
    none; name the tensors f closes over that need gradients. The backward solve uses the same
    method and step (dopri5: adjoint_rtol and adjoint_atol, by default rtol and atol), so its
    gradients carry the solver's error rather than being the exact derivative of the discrete
    forward steps (odeint gives those). First order only."""
    from ..nn.module import Module

    who = "odeint_adjoint"
    fwd_opts = Options(method, rtol, atol, step_size, max_steps).check(who)
    bwd_opts = Options(method, rtol if adjoint_rtol is None else adjoint_rtol,
                       atol if adjoint_atol is None else adjoint_atol, step_size, max_steps)
    check_times(t, who)
    state, spec = flatten_state(y0, who)
    if adjoint_params is None:
        adjoint_params = tuple(f.parameters()) if isinstance(f, Module) else ()
    params = tuple(adjoint_params)
    if not all(isinstance(p, Tensor) for p in params):
        raise TypeError(f"{who}: adjoint_params must be tensors")
    func = flat_dynamics(f, spec, who)
    outs = _adjoint_solve(func, fwd_opts, bwd_opts, len(state), t, *state, *params)
    return tree_unflatten(spec, tuple(outs))


def _solve(func, fwd_opts, bwd_opts, n, t, *args):
    with no_grad():
        return stack_states(solve(func, tuple(args[:n]), t, fwd_opts), n)


def _fwd(func, fwd_opts, bwd_opts, n, t, *args):
    ys = _solve(func, fwd_opts, bwd_opts, n, t, *args)
    return ys, (ys, t, args[n:])


def _vjp(func, s: Tensor, y: tuple, a: tuple, params: tuple) -> tuple[tuple, tuple]:
    """(f(s, y), a^T df/d(y, params)) by one reverse pass through f, zeros where unused."""
    with enable_grad():
        ys = tuple(yi.detach().requires_grad_(True) for yi in y)
        fy = func(s, ys)
        wanted = ys + params
        live = [i for i, out in enumerate(fy) if out._requires_grad]
        if live:
            got = grad([fy[i] for i in live], wanted, [a[i] for i in live], allow_unused=True)
        else:
            got = (None,) * len(wanted)
    got = tuple(zeros_like(w) if g is None else g.detach() for w, g in zip(wanted, got))
    return tuple(v.detach() for v in fy), got


def _dot(xs: tuple, ys: tuple) -> Tensor:
    return sum((x * y).sum() for x, y in zip(xs, ys))


def _bwd(func, fwd_opts, bwd_opts, n, res, g):
    if is_grad_enabled():
        raise NotImplementedError("odeint_adjoint: higher-order derivatives (create_graph=True) "
                                  "are not supported; differentiate odeint instead")
    ys, t, params = res
    g = tuple(zeros_like(y) if gi is None else gi for y, gi in zip(ys, g))
    k = len(params)

    def augmented(s: Tensor, z: tuple) -> tuple:
        fy, vjps = _vjp(func, s, z[:n], z[n:2 * n], params)
        return fy + tuple(-v for v in vjps)

    last = t.shape[0] - 1
    a = tuple(gi[last] for gi in g)
    a_params = tuple(zeros_like(p) for p in params)
    t_grads = [None] * (last + 1)
    for i in range(last, 0, -1):
        y_i = tuple(y[i] for y in ys)
        with no_grad():
            t_grads[i] = _dot(func(t[i], y_i), tuple(gi[i] for gi in g))
            # from t_i back to t_{i-1}; the state restarts from the stored solution each interval
            z = solve(augmented, y_i + a + a_params, stack([t[i], t[i - 1]]), bwd_opts)[-1]
        a, a_params = z[n:2 * n], z[2 * n:2 * n + k]
        if i == 1:
            with no_grad():
                t_grads[0] = -_dot(func(t[0], tuple(y[0] for y in ys)), a)
        a = axpy(a, 1.0, [(1.0, tuple(gi[i - 1] for gi in g))])
    if last == 0:
        t_grads[0] = zeros_like(t[0])
    return (stack(t_grads).to(t.dtype), *a, *a_params)


_adjoint_solve = custom_vjp(_solve, nondiff_argnums=(0, 1, 2, 3))
_adjoint_solve.defvjp(_fwd, _bwd)
_adjoint_solve.__name__ = "odeint_adjoint"

__all__ = ["odeint_adjoint"]
