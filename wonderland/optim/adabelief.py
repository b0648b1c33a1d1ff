"""AdaBelief: m <- b1 m + (1 - b1) g,  s <- b2 s + (1 - b2)(g - m)^2 + eps,
p <- p - lr * (m / (1 - b1^t)) / (sqrt(s / (1 - b2^t)) + eps).

Added over Adam (Zhuang et al., 2020): the step is scaled by the "belief" in the gradient, the
variance of g around its running mean m, rather than by the raw second moment g^2: a gradient far
from its prediction m gives a small step, one that agrees with it a large step, even when g is
large (steep but straight valleys are crossed fast, like SGD with momentum there)."""
from __future__ import annotations

from ..core.tensor import Tensor
from ..ops.binary import maximum
from ..ops.creation import zeros_like
from .optimizer import Optimizer

__all__ = ["AdaBelief"]


class AdaBelief(Optimizer):
    """AdaBelief as in Algorithm 2 of the paper, with the options of the authors' release:

    - eps enters twice, as in the paper: added to s at every step (so it accumulates in s) and
      to the denominator; its default 1e-16 is the authors' (v0.2) default.
    - weight_decay with decoupled_weight_decay=True (the default) shrinks p <- p (1 - lr wd)
      before the step, as AdamW; with False it is an L2 term, g <- g + wd p.
    - amsgrad keeps s_max = max(s_max, s) (s with its eps) and uses it in place of s.

    Not included: the release's `rectify` (RAdam's variance rectification; see RAdam), nor
    `fixed_decay`: this is AdaBelief with rectify=False."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-16, weight_decay: float = 0.0,
                 decoupled_weight_decay: bool = True, amsgrad: bool = False):
        if lr < 0 or eps < 0 or weight_decay < 0:
            raise ValueError(f"AdaBelief: lr, eps and weight_decay must be >= 0, got {lr}, "
                             f"{eps}, {weight_decay}")
        if not all(0 <= b < 1 for b in betas):
            raise ValueError(f"AdaBelief: betas must lie in [0, 1), got {betas}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      amsgrad=amsgrad))

    def update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> Tensor:
        lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        if wd and group["decoupled_weight_decay"]:
            p = p * (1 - lr * wd)
        elif wd:
            grad = grad + wd * p
        if not state:
            state.update(step=0, exp_avg=zeros_like(p), exp_avg_var=zeros_like(p))
        state["step"] = t = state["step"] + 1
        m = state["exp_avg"] = beta1 * state["exp_avg"] + (1 - beta1) * grad
        s = state["exp_avg_var"] = (beta2 * state["exp_avg_var"]
                                    + (1 - beta2) * (grad - m).square() + eps)
        if group["amsgrad"]:
            s_max = state.get("max_exp_avg_var")
            s = state["max_exp_avg_var"] = s if s_max is None else maximum(s_max, s)
        m_hat = m / (1 - beta1 ** t)
        s_hat = s / (1 - beta2 ** t)
        return p - lr * m_hat / (s_hat.sqrt() + eps)
