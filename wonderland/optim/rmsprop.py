"""RMSprop: v <- alpha * v + (1 - alpha) * g^2; centered: m <- alpha * m + (1 - alpha) * g and
v is replaced by v - m^2 in the denominator; d = g / (sqrt(v) + eps); with momentum
b <- momentum * b + d and p <- p - lr * b, else p <- p - lr * d (g <- g + weight_decay * p first).

Added over Adagrad (Hinton, Neural Networks for Machine Learning, lecture 6e, 2012): a moving
average of g^2 in place of the sum, so old gradients are forgotten and steps do not vanish. The
centered form (Graves, 2013) divides by an estimate of the gradient's standard deviation."""
from __future__ import annotations

from ..core.tensor import Tensor
from ..ops import zeros_like
from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """Gradients divided by a running root mean square, with optional centering and momentum."""

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
                 maximize: bool = False):
        for name, value in (("lr", lr), ("alpha", alpha), ("eps", eps),
                            ("weight_decay", weight_decay), ("momentum", momentum)):
            if not value >= 0:
                raise ValueError(f"RMSprop: {name} must be >= 0, got {value}")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> Tensor:
        alpha = group["alpha"]
        if not state:
            state["step"] = 0
            state["square_avg"] = zeros_like(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = zeros_like(p)
        state["step"] += 1
        g = self.descent_gradient(p, grad, group)
        state["square_avg"] = alpha * state["square_avg"] + (1 - alpha) * (g * g)
        if group["centered"]:
            m = state["grad_avg"]
            m = state["grad_avg"] = m + (1 - alpha) * (g - m)
            avg = (state["square_avg"] - m * m).sqrt() + group["eps"]
        else:
            avg = state["square_avg"].sqrt() + group["eps"]
        if group["momentum"] > 0:
            state["momentum_buffer"] = group["momentum"] * state["momentum_buffer"] + g / avg
            return p - group["lr"] * state["momentum_buffer"]
        return p - group["lr"] * (g / avg)
