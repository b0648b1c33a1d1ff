"""LAMB: m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,  r = m_hat / (sqrt(v_hat) + eps),
u = r + wd p,  p <- p - lr * (||p|| / ||u||) * u   (norms per parameter tensor).

Added over Adam/AdamW (You et al., 2019, "Large Batch Optimization for Deep Learning: Training
BERT in 76 minutes"): a layer-wise trust ratio, as LARS added to SGD, so that every tensor moves
by about lr times its own norm whatever the scale of its gradient; this keeps very large batches
(and the large learning rates they need) stable."""
from __future__ import annotations

from ..core.tensor import Tensor
from ..ops.binary import where
from ..ops.creation import zeros_like
from .optimizer import Optimizer

__all__ = ["LAMB"]


class LAMB(Optimizer):
    """Layer-wise Adaptive Moments for Batch training, Algorithm 2 of the paper (arXiv v5).

    - bias_correction=True (the default) divides m and v by 1 - b1^t and 1 - b2^t, as the
      paper's Algorithm 2 writes; False uses the raw moments (the paper's first version, and the
      `bias_correction` switch of common fused implementations).
    - The scaling function phi of the paper is the identity: ratio = ||p|| / ||r + wd p||, taken
      as 1 when either norm is 0 (a tensor initialised to zeros, such as a bias, then takes a
      plain Adam-direction step of size lr).
    - weight_decay is the paper's lambda: added to the direction r, inside the trust ratio."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-6, weight_decay: float = 0.0, bias_correction: bool = True):
        if lr < 0 or eps < 0 or weight_decay < 0:
            raise ValueError(f"LAMB: lr, eps and weight_decay must be >= 0, got {lr}, {eps}, "
                             f"{weight_decay}")
        if not all(0 <= b < 1 for b in betas):
            raise ValueError(f"LAMB: betas must lie in [0, 1), got {betas}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, bias_correction=bias_correction))

    def update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> Tensor:
        beta1, beta2 = group["betas"]
        if not state:
            state.update(step=0, exp_avg=zeros_like(p), exp_avg_sq=zeros_like(p))
        state["step"] = t = state["step"] + 1
        m = state["exp_avg"] = beta1 * state["exp_avg"] + (1 - beta1) * grad
        v = state["exp_avg_sq"] = beta2 * state["exp_avg_sq"] + (1 - beta2) * grad.square()
        if group["bias_correction"]:
            m, v = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        u = m / (v.sqrt() + group["eps"])
        if group["weight_decay"]:
            u = u + group["weight_decay"] * p
        p_norm, u_norm = p.square().sum().sqrt(), u.square().sum().sqrt()
        usable = (p_norm > 0).logical_and(u_norm > 0)
        ratio = where(usable, p_norm / where(u_norm > 0, u_norm, 1.0), 1.0)
        state["trust_ratio"] = ratio
        return p - group["lr"] * ratio * u
