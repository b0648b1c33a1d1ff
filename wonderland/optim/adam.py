"""Adam: m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
p <- p - lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps); AMSGrad uses the running max of v.

Adam (Kingma and Ba, 2015) joins RMSprop's per-coordinate scale sqrt(v) with momentum m and adds
bias correction: both averages start at zero, so early on they are divided by 1 - b^t to be
unbiased. AMSGrad (Reddi et al., 2018) keeps v_max = max(v_max, v) so the step size never grows
again, which restores convergence on the counterexamples where Adam fails. L2 weight decay is added
to g here (coupled); AdamW decouples it. The shared first steps of the family live here too."""
from __future__ import annotations

import numpy as np

from ..backend.kernels import ADAM_STEP
from ..core.tensor import Tensor
from ..ops import maximum, zeros_like
from .in_place import exclusive_arrays
from .optimizer import Optimizer

__all__ = ["Adam"]


def check_adam_args(name: str, lr: float, betas: tuple[float, float], eps: float,
                    weight_decay: float) -> None:
    """PyTorch's validation for the options every Adam-family optimizer has."""
    if not 0.0 <= lr:
        raise ValueError(f"{name}: invalid learning rate {lr} (must be >= 0)")
    if not 0.0 <= eps:
        raise ValueError(f"{name}: invalid epsilon {eps} (must be >= 0)")
    for i, b in enumerate(betas):
        if not 0.0 <= b < 1.0:
            raise ValueError(f"{name}: invalid beta parameter at index {i}: {b} (need 0 <= b < 1)")
    if not 0.0 <= weight_decay:
        raise ValueError(f"{name}: invalid weight_decay {weight_decay} (must be >= 0)")


def adam_moments(p: Tensor, grad: Tensor, state: dict, group: dict):
    """The steps the Adam family shares: count the step t, apply weight decay (coupled:
    g <- g + wd p; decoupled: p <- (1 - lr wd) p) and update both moments in `state`.
    Returns (p, g, m, v, t) with p and g after weight decay."""
    g = -grad if group["maximize"] else grad
    t = state["step"] = state.get("step", 0) + 1
    wd = group["weight_decay"]
    if wd:
        if group["decoupled_weight_decay"]:
            p = p * (1 - group["lr"] * wd)
        else:
            g = g + wd * p
    beta1, beta2 = group["betas"]
    m, v = state.get("exp_avg"), state.get("exp_avg_sq")
    if m is None:
        m, v = zeros_like(p), zeros_like(p)
    m = state["exp_avg"] = m + (1 - beta1) * (g - m)
    v = state["exp_avg_sq"] = beta2 * v + (1 - beta2) * (g * g)
    return p, g, m, v, t


class Adam(Optimizer):
    """Adam with optional AMSGrad, L2 weight decay (or decoupled, as AdamW) and maximize."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False, *,
                 maximize: bool = False, decoupled_weight_decay: bool = False):
        check_adam_args(type(self).__name__, lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> Tensor:
        p, _, m, v, t = adam_moments(p, grad, state, group)
        beta1, beta2 = group["betas"]
        if group["amsgrad"]:
            v_max = state.get("max_exp_avg_sq")
            v = state["max_exp_avg_sq"] = v if v_max is None else maximum(v_max, v)
        step_size = group["lr"] / (1 - beta1 ** t)
        denom = v.sqrt() / (1 - beta2 ** t) ** 0.5 + group["eps"]
        return p - step_size * (m / denom)

    def update_in_place(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> bool:
        m, v = state.get("exp_avg"), state.get("exp_avg_sq")
        v_max = state.get("max_exp_avg_sq") if group["amsgrad"] else None
        arrays = exclusive_arrays(p, m, v, v_max)
        g = grad._data
        if arrays is None or g.dtype != arrays[0].dtype:
            return False
        pa, ma, va, v_max_a = arrays
        if ma is None:
            ma, va = np.zeros_like(pa), np.zeros_like(pa)
            state["exp_avg"], state["exp_avg_sq"] = (Tensor._make(ma, p.device),
                                                     Tensor._make(va, p.device))
        t = state["step"] = state.get("step", 0) + 1
        lr, wd, (beta1, beta2) = group["lr"], group["weight_decay"], group["betas"]
        kernel = None if group["amsgrad"] else p.device.kernels.get(ADAM_STEP)
        if kernel is not None and kernel(pa, g, ma, va, t, lr, group["betas"], group["eps"], wd,
                                         group["decoupled_weight_decay"],
                                         group["maximize"]) is True:
            return True  # the same values in one pass
        if group["maximize"]:
            g = -g
        if wd and group["decoupled_weight_decay"]:
            pa *= 1 - lr * wd
        elif wd:
            g = g + wd * pa
        step = g - ma  # each product below rounds as in update(), so the values are the same
        step *= 1 - beta1
        ma += step
        va *= beta2
        np.multiply(g, g, out=step)
        step *= 1 - beta2
        va += step
        if group["amsgrad"]:
            if v_max_a is None:
                state["max_exp_avg_sq"] = Tensor._make(va.copy(), p.device)
            else:
                np.maximum(v_max_a, va, out=v_max_a)
                va = v_max_a
        np.sqrt(va, out=step)
        step /= (1 - beta2 ** t) ** 0.5
        step += group["eps"]
        np.divide(ma, step, out=step)
        step *= lr / (1 - beta1 ** t)
        pa -= step
        return True
