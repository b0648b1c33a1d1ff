"""AdamW: Adam whose weight decay acts on the parameter, not the gradient:
p <- (1 - lr wd) p, then the Adam step on the raw gradient (AMSGrad optional).

Loshchilov and Hutter (2019) showed that L2 decay added to g inside Adam is divided by sqrt(v),
so weights with large gradients are barely regularised; decoupling the decay restores plain weight
decay, makes its best value independent of the learning rate, and became the default for
transformers. Same update as Adam(decoupled_weight_decay=True), with weight_decay=1e-2."""
from __future__ import annotations

from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    """Adam with decoupled weight decay (default 1e-2), optional AMSGrad and maximize."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
