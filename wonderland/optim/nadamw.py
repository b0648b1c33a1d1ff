"""NAdamW: NAdam with decoupled weight decay: p <- (1 - lr wd) p, then NAdam's Nesterov-Adam step
on the raw gradient.

What AdamW did for Adam (Loshchilov and Hutter, 2019), applied to NAdam (Dozat, 2016): the decay no
longer passes through the 1 / sqrt(v) scaling. A strong baseline in optimizer benchmarks
(AlgoPerf); PyTorch has it as NAdam(decoupled_weight_decay=True). weight_decay defaults to 1e-2,
as in AdamW."""
from __future__ import annotations

from .nadam import NAdam

__all__ = ["NAdamW"]


class NAdamW(NAdam):
    """NAdam with decoupled weight decay (default 1e-2), momentum decay and maximize."""

    def __init__(self, params, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, momentum_decay: float = 4e-3, *,
                 maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, momentum_decay,
                         decoupled_weight_decay=True, maximize=maximize)
