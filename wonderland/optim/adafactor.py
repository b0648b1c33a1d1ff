"""Adafactor (as in PyTorch): with b_t = t^beta2_decay, rho_t = min(lr, 1 / sqrt(t)) and
alpha_t = max(eps2, RMS(p)) rho_t, a matrix gradient G (the last two dims) keeps only its row and
column mean squares, R <- (1 - b_t) R + b_t mean_j G^2,  C <- (1 - b_t) C + b_t mean_i G^2, and
estimates V = R C / mean(R); a vector keeps V <- (1 - b_t) V + b_t g^2 whole. Then
U = g / sqrt(max(V, eps1^2)),  p <- (1 - lr wd) p - alpha_t U / max(1, RMS(U) / d).

Shazeer and Stern (2018) cut Adam's optimizer memory from O(nm) to O(n + m) per n x m matrix by a
rank-1 factorisation of the second moment, dropped the first moment, made the step relative to the
parameter's scale (alpha_t), clipped updates whose RMS exceeds d, and let b_t -> 0 so the average
lengthens with training instead of needing bias correction. Weight decay is decoupled."""
from __future__ import annotations

import numpy as np

from ..core.tensor import Tensor
from ..ops import zeros, zeros_like
from .optimizer import Optimizer

__all__ = ["Adafactor"]


def _rms(x: Tensor) -> float:
    return float((x * x).sum().sqrt()) / x.numel() ** 0.5


class Adafactor(Optimizer):
    """Adafactor with factored second moments for tensors of two or more dims, relative step
    sizes, update clipping (d), decoupled weight decay and maximize. `foreach` is accepted for
    PyTorch compatibility and ignored (there is one code path)."""

    def __init__(self, params, lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0,
                 weight_decay: float = 0.0, *, foreach: bool | None = None,
                 maximize: bool = False):
        if not 0.0 <= lr:
            raise ValueError(f"Adafactor: learning rate should be >= 0, got {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"Adafactor: beta2_decay should be <= 0, got {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"Adafactor: epsilon1 should be >= 0, got {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"Adafactor: epsilon2 should be >= 0, got {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Adafactor: clipping threshold d should be >= 1, got {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Adafactor: weight_decay should be >= 0, got {weight_decay}")
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=tuple(eps), d=d,
                                      weight_decay=weight_decay, maximize=maximize))

    def update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> Tensor:
        g = -grad if group["maximize"] else grad
        lr, eps1, eps2 = group["lr"], *group["eps"]
        if eps1 is None:
            eps1 = float(np.finfo(p.dtype.np_dtype).eps)
        t = state["step"] = state.get("step", 0) + 1
        b = t ** group["beta2_decay"]  # weight of the new square: 1 - beta2_t
        alpha = max(eps2, _rms(p)) * min(lr, 1 / t ** 0.5)
        if group["weight_decay"]:
            p = p * (1 - lr * group["weight_decay"])
        if g.ndim > 1:
            r, c = state.get("row_var"), state.get("col_var")
            if r is None:
                r = zeros(*g.shape[:-1], 1, dtype=g.dtype, device=g.device)
                c = zeros(*g.shape[:-2], 1, g.shape[-1], dtype=g.dtype, device=g.device)
            r = state["row_var"] = r + b * ((g * g).mean(dim=-1, keepdim=True) - r)
            c = state["col_var"] = c + b * ((g * g).mean(dim=-2, keepdim=True) - c)
            v = (r @ c) / r.mean(dim=-2, keepdim=True).clamp(min=eps1)
        else:
            v = state.get("variance")
            v = zeros_like(g) if v is None else v
            v = state["variance"] = v + b * (g * g - v)
        u = v.clamp(min=eps1 * eps1).rsqrt() * g
        return p - (alpha / max(1.0, _rms(u) / group["d"])) * u
