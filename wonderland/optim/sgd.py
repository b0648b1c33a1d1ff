"""SGD: p <- p - lr * v, with v <- momentum * v + (1 - dampening) * g (v = g on the first step),
g <- g + weight_decay * p first, and Nesterov's look-ahead g + momentum * v in place of v.

The baseline: plain gradient descent (Robbins and Monro, 1951); momentum (Polyak, 1964) and
Nesterov's accelerated form (Sutskever et al., 2013) damp oscillation across steep directions."""
from __future__ import annotations

from ..core.tensor import Tensor
from .in_place import exclusive_arrays
from .optimizer import Optimizer


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay."""

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, maximize: bool = False):
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError(f"SGD: lr, momentum and weight_decay must be >= 0, got {lr}, "
                             f"{momentum}, {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> Tensor:
        g = self.descent_gradient(p, grad, group)
        if group["momentum"]:
            v = state.get("momentum_buffer")
            v = g if v is None else group["momentum"] * v + (1 - group["dampening"]) * g
            state["momentum_buffer"] = v
            g = g + group["momentum"] * v if group["nesterov"] else v
        return p - group["lr"] * g

    def update_in_place(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> bool:
        momentum, v = group["momentum"], state.get("momentum_buffer")
        arrays = exclusive_arrays(p, v if momentum else None)
        g = grad._data
        if arrays is None or g.dtype != arrays[0].dtype:
            return False
        pa, va = arrays
        if group["maximize"]:
            g = -g
        if group["weight_decay"]:
            g = g + group["weight_decay"] * pa
        if momentum:
            if va is None:  # the first step: v = g, in an array of v's own
                va = g.copy()
                state["momentum_buffer"] = Tensor._make(va, p.device)
            else:
                va *= momentum
                va += g if group["dampening"] == 0 else (1 - group["dampening"]) * g
            g = g + momentum * va if group["nesterov"] else va
        pa -= group["lr"] * g
        return True
