"""RAdam: Adam's moments m, v, then with rho_inf = 2 / (1 - b2) - 1 and
rho_t = rho_inf - 2 t b2^t / (1 - b2^t) (the length of the approximated moving average):
if rho_t > 5:  r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)),
               p <- p - lr m / (1 - b1^t) * r_t sqrt(1 - b2^t) / (sqrt(v) + eps)
else:          p <- p - lr m / (1 - b1^t)          (momentum SGD while v is too noisy)

Liu et al. (2020) traced the need for learning-rate warmup to the variance of Adam's adaptive
step, which is unbounded in the first steps when v has seen few gradients; r_t rescales the step
so that its variance is the same at every t, a warmup derived rather than tuned. Weight decay is
L2 on g, or decoupled as in AdamW with decoupled_weight_decay=True."""
from __future__ import annotations

from ..core.tensor import Tensor
from .adam import adam_moments, check_adam_args
from .optimizer import Optimizer

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """Rectified Adam with L2 or decoupled weight decay and maximize."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False):
        check_adam_args(type(self).__name__, lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> Tensor:
        p, _, m, v, t = adam_moments(p, grad, state, group)
        beta1, beta2 = group["betas"]
        bias2 = 1 - beta2 ** t
        m_hat = m / (1 - beta1 ** t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2 ** t / bias2
        if rho_t <= 5.0:
            return p - m_hat * group["lr"]
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        adaptive = bias2 ** 0.5 / (v.sqrt() + group["eps"])
        return p - m_hat * group["lr"] * adaptive * rect
