"""Implicit differentiation: solvers (fixed-point iteration, Newton's method) whose gradients
come from the implicit function theorem at the solution, never from unrolling the solver.
Both are custom_vjp functions: the solver runs off the tape, the rule solves an adjoint system."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core.grad_mode import enable_grad, is_grad_enabled, no_grad
from ..core.tensor import Tensor
from .custom import custom_vjp


def fixed_point(f: Callable, x0: Tensor, params, tol: float = 1e-10, max_iter: int = 1000):
    """x* with x* = f(x*, params), found by iterating x <- f(x, params) from x0.

    params is a tensor or a tuple (or list) of tensors, passed to f as given. The gradient with
    respect to params is (df/dparams)^T u where u = g + (df/dx)^T u, itself solved by iterating
    vjps at x* (the implicit function theorem): backward costs do not depend on how long the forward
    iteration took. x0 gets no gradient. Stops when an update changes no entry by more than
    tol * (1 + max|x|) (tol no smaller than a few ulps of the dtype); raises RuntimeError after
    max_iter iterations. Reverse mode, first order: create_graph=True through it raises, and so
    does forward mode (it is a custom_vjp); the loop reads values, so it cannot run under vmap."""
    kind, ps = _params(params)
    return _fixed_point(f, tol, max_iter, kind, x0, *ps)


def root_find(g: Callable, x0: Tensor, params, tol: float = 1e-10, max_iter: int = 100):
    """x* with g(x*, params) = 0, found by Newton's method from x0.

    Each Newton step builds the Jacobian dg/dx with one jvp per element of x (meant for small
    problems) and solves a linear system. The gradient with respect to params is implicit:
    dx*/dparams = -(dg/dx)^{-1} dg/dparams, applied as one transposed solve and one vjp.
    Stopping, params and limits as in fixed_point."""
    kind, ps = _params(params)
    return _root_find(g, tol, max_iter, kind, x0, *ps)


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
    x = x0
    tol = max(tol, 8 * float(np.finfo(x0.dtype.np_dtype).eps))
    change = float("nan")
    for _ in range(max_iter):
        new = step(x)
        if not isinstance(new, Tensor) or new.shape != x.shape:
            what = new.shape if isinstance(new, Tensor) else type(new).__name__
            raise ValueError(f"{who}: an iteration gave {what} for an iterate of shape "
                             f"{x.shape}")
        change = float((new - x).abs().max().item()) if x.numel() else 0.0
        if not np.isfinite(change):
            raise RuntimeError(f"{who}: the iteration diverged (an update is {change})")
        if change <= tol * (1 + float(new.abs().max().item() if x.numel() else 0.0)):
            return new
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
    x = _fp_solve(f, tol, max_iter, kind, x0, *ps)
    return x, (x, ps)


def _fp_bwd(f, tol, max_iter, kind, x0, res, g):
    from .reverse import grad

    _first_order_only("fixed_point")
    x, ps = res
    y, xl, pl = _linearize(f, x, ps, kind)

    def adjoint_step(u):  # u <- g + (df/dx)^T u
        if not y._requires_grad:
            return g
        (jt_u,) = grad(y, xl, u, retain_graph=True, allow_unused=True)
        return g if jt_u is None else g + jt_u

    u = _iterate(adjoint_step, g, tol, max_iter, "fixed_point (adjoint)")
    return _param_grads(y, pl, u)


_fixed_point = custom_vjp(_fp_solve, nondiff_argnums=(0, 1, 2, 3, 4))
_fixed_point.defvjp(_fp_fwd, _fp_bwd)
_fixed_point.__name__ = "fixed_point"


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
    x = _rf_solve(g, tol, max_iter, kind, x0, *ps)
    return x, (x, ps)


def _rf_bwd(g, tol, max_iter, kind, x0, res, v):
    _first_order_only("root_find")
    x, ps = res
    with no_grad():
        jac = _jacobian(lambda z: g(z, _pack(kind, ps)), x)
    w = _solve(x, jac.T, v.detach()._data.reshape(-1), "root_find (backward)")
    y, _, pl = _linearize(g, x, ps, kind)
    return tuple(None if c is None else -c
                 for c in _param_grads(y, pl, Tensor._make(w.reshape(x.shape), x.device)))


_root_find = custom_vjp(_rf_solve, nondiff_argnums=(0, 1, 2, 3, 4))
_root_find.defvjp(_rf_fwd, _rf_bwd)
_root_find.__name__ = "root_find"
