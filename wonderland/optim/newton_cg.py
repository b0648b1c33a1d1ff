"""Newton-CG: solve (H + damping I) d = -g approximately by conjugate gradients, with H v from
reverse-over-reverse autodiff (the Hessian is never formed), then p <- p + t d, where t starts at
lr and is halved until f(p + t d) <= f(p) + c1 t g.d (Armijo).

Added over first-order methods: curvature. Newton's step is exact on a quadratic and converges
quadratically near a minimum whatever the conditioning; truncated (inexact) Newton (Dembo,
Eisenstat and Steihaug, 1982) solves for it with CG, which needs only products H v (Pearlmutter,
1994), each costing a few gradients: "Hessian-free" optimisation (Martens, 2010)."""
from __future__ import annotations

import math
from collections.abc import Callable

from ..autodiff.reverse import grad as autograd_grad
from ..core.grad_mode import enable_grad, no_grad
from ..core.tensor import Tensor
from ..ops.creation import zeros_like
from .optimizer import Optimizer

__all__ = ["NewtonCG"]


def _dot(xs: list[Tensor], ys: list[Tensor]) -> float:
    return math.fsum(float((x * y).sum().item()) for x, y in zip(xs, ys))


def hessian_vector_product(grads: list[Tensor], params: list[Tensor],
                           vector: list[Tensor]) -> list[Tensor]:
    """H v, one tensor per parameter, by differentiating <grad f, v> once more: `grads` must hold
    the gradient of f with its own graph (autograd.grad(..., create_graph=True)); v is constant.
    The graph is kept, so this may be called once per CG iteration."""
    live = [(g, v) for g, v in zip(grads, vector) if g._requires_grad]
    if not live:  # f is linear (or constant) in the parameters: H = 0
        return [zeros_like(p) for p in params]
    hv = autograd_grad([g for g, _ in live], params, grad_outputs=[v for _, v in live],
                       retain_graph=True, allow_unused=True)
    return [zeros_like(p) if h is None else h.detach() for p, h in zip(params, hv)]


class NewtonCG(Optimizer):
    """A truncated Newton method; `step(closure)` does one Newton iteration.

    The closure computes the loss and returns it; it must NOT call backward(). NewtonCG takes the
    gradient itself with autograd.grad(create_graph=True), so that the gradient's own graph gives
    Hessian-vector products, and a backward() in the closure would free the graph it needs. The
    closure is also called under no_grad by the line search. Parameters' .grad are not touched
    (zeroing them in the closure is harmless). All parameters form one vector: one group only.

    Options: lr, the first step length tried (1 = the full Newton step); max_cg_iters and
    cg_tol (stop when ||residual|| <= cg_tol ||g||); damping, the lambda of H + lambda I;
    line_search ("armijo" or None for a fixed step lr), c1, backtrack (the factor by which the
    step shrinks) and max_ls tries; tolerance_grad (no step when max |g| is below it).

    Negative curvature: if CG meets a direction q with q.(H + lambda I)q <= 0 it stops and
    returns its iterate so far, or -g if that is its first direction (Nocedal and Wright,
    Algorithm 7.1), so the step is always a descent direction."""

    def __init__(self, params, lr: float = 1.0, max_cg_iters: int = 50, cg_tol: float = 1e-5,
                 damping: float = 0.0, line_search: str | None = "armijo", c1: float = 1e-4,
                 backtrack: float = 0.5, max_ls: int = 30, tolerance_grad: float = 1e-12):
        if lr <= 0 or max_cg_iters < 1 or cg_tol < 0 or damping < 0 or max_ls < 1:
            raise ValueError(f"NewtonCG: need lr > 0, max_cg_iters >= 1, cg_tol >= 0, "
                             f"damping >= 0 and max_ls >= 1; got {lr}, {max_cg_iters}, "
                             f"{cg_tol}, {damping}, {max_ls}")
        if line_search not in ("armijo", None):
            raise ValueError(f"NewtonCG: line_search must be 'armijo' or None, got "
                             f"{line_search!r}")
        if not (0 < c1 < 1 and 0 < backtrack < 1):
            raise ValueError(f"NewtonCG: need 0 < c1 < 1 and 0 < backtrack < 1, got {c1}, "
                             f"{backtrack}")
        super().__init__(params, dict(lr=lr, max_cg_iters=max_cg_iters, cg_tol=cg_tol,
                                      damping=damping, line_search=line_search, c1=c1,
                                      backtrack=backtrack, max_ls=max_ls,
                                      tolerance_grad=tolerance_grad))
        if len(self.param_groups) != 1:
            raise ValueError("NewtonCG: all parameters form one vector; use one parameter group")

    def add_param_group(self, group: dict) -> None:
        if self.param_groups:
            raise ValueError("NewtonCG: all parameters form one vector; use one parameter group")
        super().add_param_group(group)

    def step(self, closure: Callable | None = None):
        """One Newton-CG iteration; returns the loss at the starting point."""
        if closure is None:
            raise RuntimeError("NewtonCG.step needs a closure that computes and returns the loss "
                               "(without calling backward)")
        group = self.param_groups[0]
        params = group["params"]
        state = self.state.setdefault(id(params[0]), {})
        for key in ("n_iter", "func_evals", "hvp_evals"):
            state.setdefault(key, 0)
        with enable_grad():
            loss = closure()
            state["func_evals"] += 1
            if not isinstance(loss, Tensor) or loss.numel() != 1 or not loss._requires_grad:
                raise RuntimeError("NewtonCG: the closure must return a one-element loss tensor "
                                   "that depends on the parameters")
            try:
                grads = autograd_grad(loss, params, create_graph=True, allow_unused=True)
            except RuntimeError as e:
                raise RuntimeError(f"NewtonCG: {e}. Did the closure call backward()? It must "
                                   f"only compute and return the loss.") from e
        grads = [zeros_like(p) if g is None else g for p, g in zip(params, grads)]
        with no_grad():
            g = [x.detach() for x in grads]
            f0 = float(loss.detach().item())
            if max(float(x.abs().max().item()) for x in g) <= group["tolerance_grad"]:
                return loss.detach()
            d = self._conjugate_gradients(grads, params, g, group, state)
            slope = _dot(g, d)
            if slope >= 0:  # only by rounding: CG's iterates are descent directions
                d, slope = [-x for x in g], -_dot(g, g)
            self._move(closure, params, d, slope, f0, group, state)
        state["n_iter"] += 1
        return loss.detach()

    def _conjugate_gradients(self, grads, params, g, group, state) -> list[Tensor]:
        """An approximate solution d of (H + damping I) d = -g, started from d = 0."""
        damping = group["damping"]
        d = [zeros_like(x) for x in g]
        r = [-x for x in g]  # the residual -g - (H + damping I) d
        q = list(r)  # the search direction
        rr = _dot(r, r)
        tol = group["cg_tol"] * math.sqrt(rr)
        iters = 0
        for i in range(group["max_cg_iters"]):
            hq = hessian_vector_product(grads, params, q)
            state["hvp_evals"] += 1
            iters = i + 1
            if damping:
                hq = [h + damping * x for h, x in zip(hq, q)]
            curvature = _dot(q, hq)
            if curvature <= 0:  # negative (or zero) curvature along q: stop
                if i == 0:
                    d = q  # q = -g: steepest descent
                break
            alpha = rr / curvature
            d = [x + alpha * y for x, y in zip(d, q)]
            r = [x - alpha * y for x, y in zip(r, hq)]
            rr_new = _dot(r, r)
            if math.sqrt(rr_new) <= tol:
                break
            q = [x + (rr_new / rr) * y for x, y in zip(r, q)]
            rr = rr_new
        state["last_cg_iters"] = iters
        return d

    def _move(self, closure, params, d, slope, f0, group, state) -> None:
        """p <- p + t d with t from the Armijo backtracking line search (or t = lr)."""
        start = [p.detach() for p in params]
        t = group["lr"]
        for tries in range(1 if group["line_search"] is None else group["max_ls"]):
            for p, x, y in zip(params, start, d):
                p.data = x + t * y
            if group["line_search"] is None:
                break
            f = float(closure().detach().item())
            state["func_evals"] += 1
            if math.isfinite(f) and f <= f0 + group["c1"] * t * slope:
                break
            if tries == group["max_ls"] - 1:  # no acceptable step: stay where we were
                for p, x in zip(params, start):
                    p.data = x
                t = 0.0
            t *= group["backtrack"]
        state["last_step_size"] = t
