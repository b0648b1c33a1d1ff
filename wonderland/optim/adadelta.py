"""Adadelta: v <- rho * v + (1 - rho) * g^2, d = sqrt(u + eps) / sqrt(v + eps) * g,
u <- rho * u + (1 - rho) * d^2, p <- p - lr * d (g <- g + weight_decay * p first; lr = 1 in the
paper).

Added over Adagrad and RMSprop (Zeiler, 2012): a second moving average, of the squared updates,
whose root replaces the global learning rate, so the step has the units of the parameter and
needs no hand-tuned rate."""
from __future__ import annotations

from ..core.tensor import Tensor
from ..ops import zeros_like
from .optimizer import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Steps of size RMS(past updates) / RMS(gradients), per coordinate."""

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0, *, maximize: bool = False):
        if not lr >= 0 or not eps >= 0 or not weight_decay >= 0:
            raise ValueError(f"Adadelta: lr, eps and weight_decay must be >= 0, got {lr}, "
                             f"{eps}, {weight_decay}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Adadelta: rho must be in [0, 1], got {rho}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> Tensor:
        rho, eps = group["rho"], group["eps"]
        if not state:
            state["step"] = 0
            state["square_avg"] = zeros_like(p)
            state["acc_delta"] = zeros_like(p)
        state["step"] += 1
        g = self.descent_gradient(p, grad, group)
        state["square_avg"] = rho * state["square_avg"] + (1 - rho) * (g * g)
        std = (state["square_avg"] + eps).sqrt()
        delta = (state["acc_delta"] + eps).sqrt() / std * g
        state["acc_delta"] = rho * state["acc_delta"] + (1 - rho) * (delta * delta)
        return p - group["lr"] * delta
