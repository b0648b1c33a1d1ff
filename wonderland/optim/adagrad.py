"""Adagrad: s <- s + g^2, p <- p - lr_t * g / (sqrt(s) + eps), lr_t = lr / (1 + (t - 1) * lr_decay),
s starting at initial_accumulator_value and g <- g + weight_decay * p first (t counts steps).

Added over SGD (Duchi, Hazan and Singer, 2011): a learning rate per coordinate, scaled down by
the history of that coordinate's gradients, so rare features take large steps and frequent ones
small. Its weakness: s only grows, so the steps shrink towards zero on long runs."""
from __future__ import annotations

from ..core.tensor import Tensor
from ..ops import full_like
from .optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Per-coordinate step sizes from the running sum of squared gradients."""

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, *, maximize: bool = False):
        for name, value in (("lr", lr), ("lr_decay", lr_decay), ("weight_decay", weight_decay),
                            ("initial_accumulator_value", initial_accumulator_value),
                            ("eps", eps)):
            if not value >= 0:
                raise ValueError(f"Adagrad: {name} must be >= 0, got {value}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))

    def update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> Tensor:
        if not state:
            state["step"] = 0
            state["sum"] = full_like(p, group["initial_accumulator_value"])
        state["step"] += 1
        g = self.descent_gradient(p, grad, group)
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] = state["sum"] + g * g
        return p - clr * (g / (state["sum"].sqrt() + group["eps"]))
