"""Lion: c = b1 m + (1 - b1) g,  p <- p - lr * (sign(c) + wd p),  m <- b2 m + (1 - b2) g.

Added over AdamW (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms"; found by
program search): one moment instead of two (half the optimizer memory) and an update of the same
size lr in every coordinate, the sign of an interpolation between the momentum and the gradient;
the momentum itself decays more slowly (b2 = 0.99) than the interpolation uses (b1 = 0.9). Since
|sign| = 1 is larger than Adam's typical step, lr is 3-10x smaller and weight decay larger."""
from __future__ import annotations

from ..core.tensor import Tensor
from ..ops.creation import zeros_like
from .optimizer import Optimizer

__all__ = ["Lion"]


class Lion(Optimizer):
    """EvoLved Sign Momentum, Algorithm 2 of the paper; weight decay is decoupled (lr * wd * p,
    scaled by the learning rate as the paper's eta_t * lambda * theta)."""

    def __init__(self, params, lr: float = 1e-4, betas: tuple[float, float] = (0.9, 0.99),
                 weight_decay: float = 0.0):
        if lr < 0 or weight_decay < 0:
            raise ValueError(f"Lion: lr and weight_decay must be >= 0, got {lr}, {weight_decay}")
        if not all(0 <= b <= 1 for b in betas):
            raise ValueError(f"Lion: betas must lie in [0, 1], got {betas}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), weight_decay=weight_decay))

    def update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> Tensor:
        beta1, beta2 = group["betas"]
        lr, wd = group["lr"], group["weight_decay"]
        m = state.get("exp_avg")
        if m is None:
            m = zeros_like(p)
        direction = (beta1 * m + (1 - beta1) * grad).sign()
        if wd:
            direction = direction + wd * p
        state["exp_avg"] = beta2 * m + (1 - beta2) * grad
        return p - lr * direction
