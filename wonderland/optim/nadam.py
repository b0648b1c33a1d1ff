"""NAdam: Adam with Nesterov momentum. With mu_t = b1 (1 - 0.5 * 0.96^(t psi)) (psi =
momentum_decay) and P_t = mu_1 ... mu_t, after Adam's moments m, v:
p <- p - lr [(1 - mu_t) / (1 - P_t) g + mu_{t+1} / (1 - P_t mu_{t+1}) m] / (sqrt(v_hat) + eps),
with v_hat = v / (1 - b2^t).

Dozat (2016) moved Nesterov's look-ahead into Adam: the step uses the momentum it will have after
this update (mu_{t+1} m) plus the fresh gradient's share, which corrects course one step sooner.
The warming momentum schedule mu_t is Dozat's (after Sutskever et al., 2013). Weight decay is L2
on g, or decoupled as in AdamW with decoupled_weight_decay=True (that is NAdamW)."""
from __future__ import annotations

from ..core.tensor import Tensor
from .adam import adam_moments, check_adam_args
from .optimizer import Optimizer

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam with momentum decay, L2 or decoupled weight decay and maximize."""

    def __init__(self, params, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False):
        name = type(self).__name__
        check_adam_args(name, lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"{name}: invalid momentum_decay {momentum_decay} (must be >= 0)")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> Tensor:
        p, g, m, v, t = adam_moments(p, grad, state, group)
        beta1, beta2 = group["betas"]
        psi, lr = group["momentum_decay"], group["lr"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        prod = state["mu_product"] = state.get("mu_product", 1.0) * mu
        denom = (v / (1 - beta2 ** t)).sqrt() + group["eps"]
        p = p - (lr * (1.0 - mu) / (1.0 - prod)) * (g / denom)
        return p - (lr * mu_next / (1.0 - prod * mu_next)) * (m / denom)
