"""Implicit differentiation: solvers (fixed-point iteration, Newton's method) whose derivatives
come from the implicit function theorem at the solution, never from unrolling the solver.
Reverse mode is a custom_vjp (the solver runs off the tape, the rule solves an adjoint system);
forward mode a custom_jvp whose rule solves the tangent system (I - df/dx) t = df/dp p_dot, or
dg/dx t = -dg/dp p_dot. Higher orders: under create_graph the reverse rule runs on the tape, the
solution recorded as this same implicit function of the params, so that it differentiates
again."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core.grad_mode import enable_grad, is_grad_enabled, no_grad
from ..core.tensor import Tensor
from .custom import custom_jvp, custom_vjp


def fixed_point(f: Callable, x0: Tensor, params, tol: float = 1e-10, max_iter: int = 1000):
    """x* with x* = f(x*, params), found by iterating x <- f(x, params) from x0.

    params is a tensor or a tuple (or list) of tensors, passed to f as given. The gradient with
    respect to params is (df/dparams)^T u where u = g + (df/dx)^T u, itself solved by iterating
    vjps at x* (the implicit function theorem): backward costs do not depend on how long the forward
    iteration took. x0 gets no gradient. Stops when an update changes no entry by more than
    tol * (1 + max|x|) (tol no smaller than a few ulps of the dtype); raises RuntimeError after
    max_iter iterations. Forward mode solves t = (df/dx) t + (df/dparams) p_dot by the same
    iteration of jvps; create_graph=True runs the adjoint iteration on the tape (second and
    higher derivatives); the loop reads values, so it cannot run under vmap."""
    kind, ps = _params(params)
    return _dispatch(_fixed_point, _fixed_point_jvp, f, tol, max_iter, kind, x0, ps)


def root_find(g: Callable, x0: Tensor, params, tol: float = 1e-10, max_iter: int = 100):
    """x* with g(x*, params) = 0, found by Newton's method from x0.

    Each Newton step builds the Jacobian dg/dx with one jvp per element of x (meant for small
    problems) and solves a linear system. The gradient with respect to params is implicit:
    dx*/dparams = -(dg/dx)^{-1} dg/dparams, applied as one transposed solve and one vjp (forward
    mode: one solve of dg/dx t = -(dg/dparams) p_dot). Stopping, params, limits and higher
    orders as in fixed_point."""
    kind, ps = _params(params)
    return _dispatch(_root_find, _root_find_jvp, g, tol, max_iter, kind, x0, ps)


def _solution(fn, tol, max_iter, kind, x0, ps, root: bool) -> Tensor:
    """x* recorded as the implicit function itself (inside the rules: derivatives of derivatives
    reach the params through x* by the same rules)."""
    if root:
        return _dispatch(_root_find, _root_find_jvp, fn, tol, max_iter, kind, x0, ps)
    return _dispatch(_fixed_point, _fixed_point_jvp, fn, tol, max_iter, kind, x0, ps)


def _dispatch(reverse, forward, fn, tol, max_iter, kind, x0, ps):
    """Forward mode (a tangent on x0 or the params) takes the custom_jvp, else the custom_vjp."""
    from .custom_node import dual_level_of

    rule = forward if dual_level_of((x0, *ps)) is not None else reverse
    return rule(fn, tol, max_iter, kind, x0, *ps)


def _params(params) -> tuple[type | None, tuple]:
    """(None for a tensor, else the tuple or list type; the tensors)."""
    if isinstance(params, Tensor):
        return None, (params,)
    if isinstance(params, (tuple, list)) and all(isinstance(p, Tensor) for p in params):
        return type(params), tuple(params)
    raise TypeError(f"params must be a tensor or a tuple of tensors, got "
                    f"{type(params).__name__}")


def _pack(kind: type | None, ps):
    """params as the caller gave them: one tensor, or a tuple or list of them."""
    return ps[0] if kind is None else kind(ps)


def _iterate(step: Callable, x0: Tensor, tol: float, max_iter: int, who: str) -> Tensor:
    """Apply step until an update is below tolerance (see fixed_point)."""
    return _run(step, x0, tol, max_iter, who)[0]


def _run(step: Callable, x0: Tensor, tol: float, max_iter: int, who: str) -> tuple[Tensor, int]:
    """(_iterate's result, the number of steps it took)."""
    x = x0
    tol = max(tol, 8 * float(np.finfo(x0.dtype.np_dtype).eps))
    change = float("nan")
    for steps in range(max_iter):
        new = step(x)
        if not isinstance(new, Tensor) or new.shape != x.shape:
            what = new.shape if isinstance(new, Tensor) else type(new).__name__
            raise ValueError(f"{who}: an iteration gave {what} for an iterate of shape "
                             f"{x.shape}")
        change = float((new - x).abs().max().item()) if x.numel() else 0.0
        if not np.isfinite(change):
            raise RuntimeError(f"{who}: the iteration diverged (an update is {change})")
        if change <= tol * (1 + float(new.abs().max().item() if x.numel() else 0.0)):
            return new, steps + 1
        x = new
    raise RuntimeError(f"{who}: no convergence in {max_iter} iterations (last update "
                       f"{change:.3g}); raise max_iter or tol, or check that the map contracts")


def _first_order_only(who: str) -> None:
    if is_grad_enabled():
        raise NotImplementedError(f"{who}: higher-order derivatives (create_graph=True) of "
                                  f"an implicit solution are not supported")


def _linearize(fn: Callable, x: Tensor, ps: tuple, kind: type | None):
    """(fn(x_leaf, params_leaves), x_leaf, leaves of the params that require grad) on the tape."""
    with enable_grad():
        xl = x.detach().requires_grad_()
        pl = [p.detach().requires_grad_(p._requires_grad) for p in ps]
        return fn(xl, _pack(kind, pl)), xl, pl


def _param_grads(y: Tensor, pl: list, cot: Tensor) -> tuple:
    from .reverse import grad

    wanted = [p for p in pl if p._requires_grad]
    got = iter(grad(y, wanted, cot, allow_unused=True) if wanted and y._requires_grad else ())
    return tuple(next(got) if p._requires_grad else None for p in pl)


# --- fixed points -------------------------------------------------------------------------------
def _fp_solve(f, tol, max_iter, kind, x0, *ps):
    with no_grad():
        return _iterate(lambda x: f(x, _pack(kind, ps)), x0, tol, max_iter, "fixed_point")


def _fp_fwd(f, tol, max_iter, kind, x0, *ps):
    if is_grad_enabled():  # rebuilt for create_graph: x* recorded as this implicit function
        return _solution(f, tol, max_iter, kind, x0, ps, False), (None, ps)
    x = _fp_solve(f, tol, max_iter, kind, x0, *ps)
    return x, (x, ps)


def _fp_bwd(f, tol, max_iter, kind, x0, res, g):
    from .reverse import grad

    if is_grad_enabled():
        return _fp_bwd_on_tape(f, tol, max_iter, kind, x0, res[1], g)
    x, ps = res
    y, xl, pl = _linearize(f, x, ps, kind)

    def adjoint_step(u):  # u <- g + (df/dx)^T u
        if not y._requires_grad:
            return g
        (jt_u,) = grad(y, xl, u, retain_graph=True, allow_unused=True)
        return g if jt_u is None else g + jt_u

    u = _iterate(adjoint_step, g, tol, max_iter, "fixed_point (adjoint)")
    return _param_grads(y, pl, u)


def _fp_bwd_on_tape(f, tol, max_iter, kind, x0, ps, g):
    """The reverse rule for create_graph: x* recorded as fixed_point of the params, the adjoint
    iteration u <- g + (df/dx)^T u and the final vjp all on the tape, so that the gradient
    differentiates again (through u's iterations, converged, and x*'s implicit rule)."""
    from .reverse import grad

    x = _solution(f, tol, max_iter, kind, x0, ps, False)
    aliases = _aliases(ps)
    y = f(x, _pack(kind, aliases))

    def adjoint_step(u):
        (jt_u,) = grad(y, x, u, retain_graph=True, create_graph=True, allow_unused=True)
        return g if jt_u is None else g + jt_u

    u = _iterate(adjoint_step, g, tol, max_iter, "fixed_point (adjoint)") \
        if y._requires_grad and x._requires_grad else g
    return _partials(y, aliases, u)


def _aliases(ps: tuple) -> tuple:
    """Copies of the params on the tape: a gradient taken with respect to them is the partial
    derivative at a fixed x*, while x* itself still depends on the params (its own rule)."""
    return tuple(p.clone() if p._requires_grad else p for p in ps)


def _partials(y: Tensor, aliases: tuple, cot: Tensor) -> tuple:
    """(dy/dparams)^T cot at fixed x*, on the tape, None for params without gradient."""
    from .reverse import grad

    wanted = [a for a in aliases if a._requires_grad]
    got = iter(grad(y, wanted, cot, retain_graph=True, create_graph=True, allow_unused=True)
               if wanted and y._requires_grad else ())
    return tuple(next(got) if a._requires_grad else None for a in aliases)


def _tangent_of(fn: Callable, x: Tensor, kind, ps: tuple, dps: tuple) -> Tensor:
    """(d fn / d params)(x, params) applied to the params' tangents, by one jvp."""
    from .transforms import jvp

    return jvp(lambda *q: fn(x, _pack(kind, q)), tuple(ps), tuple(dps))[1]


def _fp_jvp_rule(f, tol, max_iter, kind, primals, tangents):
    """x* and its tangent t = (df/dx) t + (df/dp) p_dot, iterated from (df/dp) p_dot."""
    from .transforms import jvp

    x0, ps = primals[0], primals[1:]
    x = _solution(f, tol, max_iter, kind, x0, ps, False)
    b = _tangent_of(f, x, kind, ps, tangents[1:])

    def step(t: Tensor, rhs: Tensor = b) -> Tensor:
        return rhs + jvp(lambda z: f(z, _pack(kind, ps)), (x,), (t,))[1]

    if not any(t is not None and t._requires_grad for t in tangents[1:]):
        return x, _iterate(step, b, tol, max_iter, "fixed_point (tangent)")
    # Transposed for reverse mode (forward over reverse): the tangents are zero leaves, which
    # would stop the loop at once; unroll as many steps as the series needs for a unit
    # right-hand side, so that reverse mode through them sums the adjoint series to tolerance.
    ones = b.detach() * 0 + 1
    _, n = _run(lambda t: step(t, ones), ones, tol, max_iter, "fixed_point (tangent)")
    t = b
    for _ in range(n):
        t = step(t)
    return x, t


_fixed_point = custom_vjp(_fp_solve, nondiff_argnums=(0, 1, 2, 3, 4))
_fixed_point.defvjp(_fp_fwd, _fp_bwd)
_fixed_point.__name__ = "fixed_point"
_fixed_point_jvp = custom_jvp(_fp_solve, nondiff_argnums=(0, 1, 2, 3))
_fixed_point_jvp.defjvp(_fp_jvp_rule)
_fixed_point_jvp.__name__ = "fixed_point"


# --- roots --------------------------------------------------------------------------------------
def _jacobian(fn: Callable, x: Tensor):
    """dfn/dx at x as an (n, n) backend array, one forward-mode pass per column."""
    from .forward import jvp

    xp, n = x.device.backend.xp, x.numel()
    basis = xp.eye(n, dtype=x.dtype.np_dtype)
    cols = []
    for i in range(n):
        _, col = jvp(fn, (x,), (Tensor._make(basis[i].reshape(x.shape), x.device),))
        cols.append(col._data.reshape(n))
    return xp.stack(cols, axis=1) if cols else basis


def _solve(x: Tensor, a, b, who: str):
    """a^{-1} b on x's backend."""
    try:
        return x.device.backend.xp.linalg.solve(a, b)
    except np.linalg.LinAlgError as e:
        raise RuntimeError(f"{who}: the Jacobian dg/dx is singular here ({e}); "
                           f"try another x0") from None


def _newton_step(g, kind, ps, x):
    fn = lambda z: g(z, _pack(kind, ps))  # noqa: E731
    r = fn(x)
    if r.shape != x.shape:
        raise ValueError(f"root_find: g gave shape {r.shape} for x of shape {x.shape}; it "
                         f"must return one residual per unknown")
    dx = _solve(x, _jacobian(fn, x), r._data.reshape(-1), "root_find")
    return x - Tensor._make(dx.reshape(x.shape), x.device)


def _rf_solve(g, tol, max_iter, kind, x0, *ps):
    with no_grad():
        return _iterate(lambda x: _newton_step(g, kind, ps, x), x0, tol, max_iter,
                        "root_find")


def _rf_fwd(g, tol, max_iter, kind, x0, *ps):
    if is_grad_enabled():  # rebuilt for create_graph: x* recorded as this implicit function
        return _solution(g, tol, max_iter, kind, x0, ps, True), (None, ps)
    x = _rf_solve(g, tol, max_iter, kind, x0, *ps)
    return x, (x, ps)


def _rf_bwd(g, tol, max_iter, kind, x0, res, v):
    if is_grad_enabled():
        return _rf_bwd_on_tape(g, tol, max_iter, kind, x0, res[1], v)
    x, ps = res
    with no_grad():
        jac = _jacobian(lambda z: g(z, _pack(kind, ps)), x)
    w = _solve(x, jac.T, v.detach()._data.reshape(-1), "root_find (backward)")
    y, _, pl = _linearize(g, x, ps, kind)
    return tuple(None if c is None else -c
                 for c in _param_grads(y, pl, Tensor._make(w.reshape(x.shape), x.device)))


def _rf_bwd_on_tape(g, tol, max_iter, kind, x0, ps, v):
    """The reverse rule for create_graph: the Jacobian dg/dx by jacfwd and the transposed
    solve by linalg.solve, both differentiable, at x* recorded as root_find of the params."""
    x = _solution(g, tol, max_iter, kind, x0, ps, True)
    w = _linear_solve(g, kind, ps, x, v, transpose=True)
    aliases = _aliases(ps)
    return tuple(None if c is None else -c
                 for c in _partials(g(x, _pack(kind, aliases)), aliases, w))


def _rf_jvp_rule(g, tol, max_iter, kind, primals, tangents):
    """x* and its tangent t = -(dg/dx)^{-1} (dg/dp) p_dot, by a differentiable solve (so that
    the rule also transposes, and differentiates again)."""
    x0, ps = primals[0], primals[1:]
    x = _solution(g, tol, max_iter, kind, x0, ps, True)
    b = _tangent_of(g, x, kind, ps, tangents[1:])
    return x, -_linear_solve(g, kind, ps, x, b, transpose=False)


def _linear_solve(g, kind, ps, x: Tensor, rhs: Tensor, transpose: bool) -> Tensor:
    """(dg/dx)^{-1} rhs (or its transpose's), dg/dx by jacfwd at x, all on the tape."""
    from ..linalg import solve
    from .jacobians import jacfwd

    n = x.numel()
    jac = jacfwd(lambda z: g(z, _pack(kind, ps)))(x).reshape(n, n)
    return solve(jac.transpose(0, 1) if transpose else jac, rhs.reshape(n, 1)).reshape(x.shape)


_root_find = custom_vjp(_rf_solve, nondiff_argnums=(0, 1, 2, 3, 4))
_root_find.defvjp(_rf_fwd, _rf_bwd)
_root_find.__name__ = "root_find"
_root_find_jvp = custom_jvp(_rf_solve, nondiff_argnums=(0, 1, 2, 3))
_root_find_jvp.defjvp(_rf_jvp_rule)
_root_find_jvp.__name__ = "root_find"
