"""L-BFGS: x <- x + t * d with d = -H g, where H is an implicit inverse-Hessian estimate built from
the last m pairs s = x_{k+1} - x_k, y = g_{k+1} - g_k (the two-loop recursion) and t is lr or a
step found by a strong-Wolfe line search; the PyTorch API: step(closure), one parameter group.

What it added: BFGS (Broyden, Fletcher, Goldfarb, Shanno, 1970) keeps a dense n x n inverse
Hessian updated so that H y = s; L-BFGS (Nocedal, 1980; Liu and Nocedal, 1989) keeps only the last
m pairs and applies H to a vector in O(m n), so quasi-Newton curvature fits models with millions of
parameters. The initial scale H0 = (s.y / y.y) I and the line search follow minFunc, as torch does.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core.grad_mode import enable_grad, no_grad
from ..core.tensor import Tensor
from ..ops import cat, dot, zeros
from .optimizer import Optimizer

__all__ = ["LBFGS"]


def two_loop_direction(grad: Tensor, old_dirs: list, old_stps: list, ro: list,
                       h_diag: float) -> Tensor:
    """The L-BFGS direction d = -H grad, with H never formed.

    BFGS updates the inverse Hessian with each pair (s_i, y_i), rho_i = 1 / (y_i . s_i):
        H <- (I - rho s y^T) H (I - rho y s^T) + rho s s^T.
    Unrolling the last m updates over the initial guess H0 = h_diag * I, the product H q is
    computed right to left in two passes over the history:
      1. newest to oldest:  a_i = rho_i s_i . q;   q <- q - a_i y_i      (the right factors)
      2. r = h_diag * q, then oldest to newest:
                            b_i = rho_i y_i . r;   r <- r + (a_i - b_i) s_i   (the left factors)
    Starting from q = -grad, r ends as -H grad. `old_dirs` holds the y_i, `old_stps` the s_i."""
    q = -grad
    alphas = [0.0] * len(old_dirs)
    for i in reversed(range(len(old_dirs))):
        alphas[i] = dot(old_stps[i], q).item() * ro[i]
        q = q - alphas[i] * old_dirs[i]
    r = q * h_diag
    for i in range(len(old_dirs)):
        beta = dot(old_dirs[i], r).item() * ro[i]
        r = r + (alphas[i] - beta) * old_stps[i]
    return r


def cubic_minimizer(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                    bounds: tuple[float, float] | None = None) -> float:
    """The minimizer of the cubic that matches f and its slope g at x1 and x2, clamped to
    `bounds` (default: the interval between x1 and x2); the middle of the bounds when the cubic
    has no real minimizer. With d1 = g1 + g2 - 3 (f1 - f2) / (x1 - x2), d2 = sqrt(d1^2 - g1 g2),
    it lies at b - (b - a) (g_b + d2 - d1) / (g_b - g_a + 2 d2), with a < b the two points."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    if x1 == x2:  # no interval to fit: a degenerate bracket
        return (lo + hi) / 2.0
    # IEEE scalars, so that a flat slope (a zero denominator) clamps to a bound as in torch
    x1, f1, g1, x2, f2, g2 = map(np.float64, (x1, f1, g1, x2, f2, g2))
    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
        d2_square = d1 ** 2 - g1 * g2
        if d2_square < 0:
            return (lo + hi) / 2.0
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            best = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            best = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return float(min(max(best, lo), hi))


@dataclass
class _Trial:
    """One point of the line search: step t, loss f, flat gradient g and slope gtd = g . d."""

    t: float
    f: float
    g: Tensor
    gtd: float


def strong_wolfe_search(evaluate: Callable[[float], _Trial], t: float, d_norm: float,
                        start: _Trial, c1: float = 1e-4, c2: float = 0.9,
                        tolerance_change: float = 1e-9, max_ls: int = 25
                        ) -> tuple[_Trial, int]:
    """A step t along d that satisfies the strong Wolfe conditions, and how many evaluations it
    took. With f(t) the loss at x + t d and f'(t) = g(x + t d) . d (negative at t = 0):
      sufficient decrease (Armijo)  f(t) <= f(0) + c1 t f'(0)
      curvature                     |f'(t)| <= c2 |f'(0)|   (the slope has flattened enough)
    Phase 1 (bracketing) grows t, each new trial the cubic fit of the last two clamped to
    [t + 0.01 (t - t_prev), 10 t], until a trial satisfies both conditions or an interval is
    known to hold one (Armijo fails, the loss stops falling, or the slope turns non-negative).
    Phase 2 (zoom) shrinks that interval with cubic fits, moved 10% of its width away from an end
    when progress stalls, keeping `low` as the best Armijo point, until the conditions hold, the
    interval is narrower than tolerance_change (measured as a move of the parameters), or
    max_ls evaluations are spent. Returns the `low` point."""
    f0, gtd0 = start.f, start.gtd
    prev, new = start, evaluate(t)
    evals, iters, done = 1, 0, False
    bracket = None
    while iters < max_ls:
        if new.f > f0 + c1 * new.t * gtd0 or (iters > 1 and new.f >= prev.f):
            bracket = [prev, new]
            break
        if abs(new.gtd) <= -c2 * gtd0:
            bracket, done = [new], True
            break
        if new.gtd >= 0:
            bracket = [prev, new]
            break
        t = cubic_minimizer(prev.t, prev.f, prev.gtd, new.t, new.f, new.gtd,
                            bounds=(new.t + 0.01 * (new.t - prev.t), new.t * 10))
        prev, new = new, evaluate(t)
        evals, iters = evals + 1, iters + 1
    if bracket is None:  # out of evaluations while still growing: keep the better of 0 and t
        bracket = [start, new]

    low, high = (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)
    insufficient_progress = False
    while not done and iters < max_ls:
        a, b = bracket
        if abs(b.t - a.t) * d_norm < tolerance_change:
            break
        t = cubic_minimizer(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        left, right = min(a.t, b.t), max(a.t, b.t)
        margin = 0.1 * (right - left)
        if min(right - t, t - left) < margin:  # the fit sits close to an end of the interval
            if insufficient_progress or t >= right or t <= left:
                t = right - margin if abs(t - right) < abs(t - left) else left + margin
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        new = evaluate(t)
        evals, iters = evals + 1, iters + 1
        if new.f > f0 + c1 * t * gtd0 or new.f >= bracket[low].f:
            bracket[high] = new  # not an improvement: it bounds the interval from above
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
        else:
            if abs(new.gtd) <= -c2 * gtd0:
                done = True
            elif new.gtd * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]  # the minimum lies between low and the new point
            bracket[low] = new
    return bracket[low], evals


class LBFGS(Optimizer):
    """Limited-memory BFGS over all parameters as one flat vector, as torch.optim.LBFGS.

    step(closure) runs up to max_iter iterations (max_eval loss evaluations, default
    max_iter * 5 // 4); the closure must zero the gradients, compute the loss, call backward()
    and return the loss. Stops early when the largest gradient entry is <= tolerance_grad or
    the step, the slope or the loss change falls below tolerance_change. line_search_fn is None
    (fixed step lr; the first iteration ever uses min(1, 1 / |g|_1) * lr) or "strong_wolfe".
    The history is global state, kept (as in torch) in the state of the first parameter."""

    def __init__(self, params, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9,
                 history_size: int = 100, line_search_fn: str | None = None):
        if not 0.0 <= float(lr):
            raise ValueError(f"LBFGS: invalid learning rate {lr}")
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', "
                             f"got {line_search_fn!r}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))

    def add_param_group(self, group: dict) -> None:
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups): "
                             "all parameters form one flat vector")
        super().add_param_group(group)

    # --- the parameters as one flat vector -----------------------------------------------------
    def _flat_params(self) -> list[Tensor]:
        return self.param_groups[0]["params"]

    def _gather_flat_grad(self) -> Tensor:
        return cat([(p.grad.detach() if p.grad is not None
                     else zeros(p.numel(), dtype=p.dtype, device=p.device)).reshape(-1)
                    for p in self._flat_params()])

    def _gather_flat_values(self) -> Tensor:
        return cat([p.detach().reshape(-1) for p in self._flat_params()])

    def _set_flat_values(self, x: Tensor) -> None:
        offset = 0
        for p in self._flat_params():
            n = p.numel()
            p.data = x[offset:offset + n].reshape(p.shape).to(dtype=p.dtype)
            offset += n

    def _evaluate(self, closure: Callable) -> tuple[float, Tensor]:
        with enable_grad():
            loss = closure()
        return float(loss), self._gather_flat_grad()

    # --- one call: up to max_iter iterations ---------------------------------------------------
    @no_grad()
    def step(self, closure: Callable | None = None):
        """Minimize along L-BFGS directions; returns the loss of the first closure call."""
        if closure is None:
            raise TypeError("LBFGS.step needs a closure that zeroes the gradients, computes the "
                            "loss, calls backward() and returns the loss")
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS: expected exactly one parameter group")
        group = self.param_groups[0]
        lr, max_iter, max_eval = float(group["lr"]), group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size, line_search_fn = group["history_size"], group["line_search_fn"]
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: only 'strong_wolfe' line search is supported, got "
                             f"{line_search_fn!r}")

        state = self.state.setdefault(id(self._flat_params()[0]), {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        flat_grad = self._gather_flat_grad()
        evals = 1
        state["func_evals"] += 1
        if flat_grad.abs().max().item() <= tolerance_grad:
            return orig_loss  # already at a stationary point

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag = state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # the direction: steepest descent at first, then the two-loop recursion
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, h_diag = [], [], [], 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = dot(y, s).item()
                if ys > 1e-10:  # keep the pair only when the curvature is positive
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / dot(y, y).item()
                d = two_loop_direction(flat_grad, old_dirs, old_stps, ro, h_diag)
            prev_flat_grad, prev_loss = flat_grad, loss

            # the step length: a cautious first step, lr afterwards (or the line search's)
            if state["n_iter"] == 1:
                total = flat_grad.abs().sum().item()
                t = min(1.0, 1.0 / total if total > 0 else math.inf) * lr
            else:
                t = lr
            gtd = dot(flat_grad, d).item()
            if gtd > -tolerance_change:  # d is no longer a descent direction
                break

            ls_evals, opt_cond = 0, False
            if line_search_fn is not None:
                x0 = self._gather_flat_values()

                def trial(step: float, x0=x0, d=d) -> _Trial:
                    self._set_flat_values(x0 + step * d)
                    f, g = self._evaluate(closure)
                    self._set_flat_values(x0)
                    return _Trial(step, f, g, dot(g, d).item())

                # as in torch, the search keeps its own tolerance_change (1e-9), not the group's
                best, ls_evals = strong_wolfe_search(
                    trial, t, d.abs().max().item(), _Trial(0.0, loss, flat_grad, gtd),
                    max_ls=max_eval - evals)
                loss, flat_grad, t = best.f, best.g, best.t
                self._set_flat_values(x0 + t * d)
                opt_cond = flat_grad.abs().max().item() <= tolerance_grad
            else:
                self._set_flat_values(self._gather_flat_values() + t * d)
                if n_iter != max_iter:  # the last iteration leaves the evaluation to the next call
                    loss, flat_grad = self._evaluate(closure)
                    opt_cond = flat_grad.abs().max().item() <= tolerance_grad
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals

            if n_iter == max_iter or evals >= max_eval or opt_cond:
                break
            if (d * t).abs().max().item() <= tolerance_change:  # the step barely moves x
                break
            if abs(loss - prev_loss) < tolerance_change:  # the loss barely changes
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss
