"""Adamax: m <- beta1 * m + (1 - beta1) * g, u <- max(beta2 * u, |g| + eps),
p <- p - lr / (1 - beta1^t) * m / u (g <- g + weight_decay * p first; t counts steps).

Added over Adam (Kingma and Ba, 2015, section 7.1): the second moment's L2 norm is replaced by
the L-infinity norm of past gradients, an exponentially weighted max that needs no bias
correction and bounds each step by about lr."""
from __future__ import annotations

from ..core.tensor import Tensor
from ..ops import zeros_like
from .optimizer import Optimizer

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adam with an infinity-norm (running max) denominator."""

    def __init__(self, params, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, *, maximize: bool = False):
        if not lr >= 0 or not eps >= 0 or not weight_decay >= 0:
            raise ValueError(f"Adamax: lr, eps and weight_decay must be >= 0, got {lr}, "
                             f"{eps}, {weight_decay}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Adamax: betas[{i}] must be in [0, 1), got {beta}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, maximize=maximize))

    def update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> Tensor:
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = zeros_like(p)
            state["exp_inf"] = zeros_like(p)
        state["step"] += 1
        g = self.descent_gradient(p, grad, group)
        m = state["exp_avg"]
        m = state["exp_avg"] = m + (1 - beta1) * (g - m)
        u = state["exp_inf"] = (beta2 * state["exp_inf"]).maximum(g.abs() + group["eps"])
        clr = group["lr"] / (1 - beta1 ** state["step"])
        return p - clr * (m / u)
