"""RealNVP normalising flow for vector data (Dinh, Sohl-Dickstein & Bengio 2017): affine coupling
layers with alternating binary masks, an optional batch-norm bijector between them, and a standard
normal base; exact log-likelihoods in nats and sampling."""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..core.grad_mode import no_grad
from ..core.random import Generator
from ..core.tensor import Tensor
from ..nn import Linear, Module, ModuleList, Parameter, ReLU, Sequential
from ..ops.creation import ones, randn, tensor, zeros

__all__ = ["AffineCoupling", "BatchNormBijector", "RealNVP"]


def _check_width(who: str, x: Tensor, dim: int) -> None:
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(f"{who}: expected input of shape (N, {dim}), got {tuple(x.shape)}")


class AffineCoupling(Module):
    """y = x*m + (1-m) * (x*exp(s(x*m)) + t(x*m)) for a binary mask m: the masked coordinates pass
    through and condition an elementwise affine map of the others, so the Jacobian is triangular
    and log|det| = sum((1-m) * s). One MLP (`layers` hidden ReLU layers of width `hidden`) gives
    both s and t. s = scale * tanh(raw) is bounded: an unbounded s lets exp(s) overflow or vanish
    early in training, which wrecks the likelihood and its gradients; the learned per-coordinate
    `scale` (initially 1) keeps the range adjustable. The output layer starts at zero, so the
    coupling starts as the identity and a deep stack begins as a well-conditioned map."""

    def __init__(self, dim: int, mask: Sequence[float] | np.ndarray | Tensor, hidden: int = 64,
                 layers: int = 2) -> None:
        super().__init__()
        m = np.asarray(mask.numpy() if isinstance(mask, Tensor) else mask, dtype=np.float64)
        if m.shape != (dim,):
            raise ValueError(f"AffineCoupling: mask must have shape ({dim},), got {m.shape}")
        if not np.isin(m, (0.0, 1.0)).all():
            raise ValueError("AffineCoupling: mask entries must be 0 or 1")
        if m.min() == m.max():
            raise ValueError("AffineCoupling: mask must hold both 0s and 1s (else the coupling "
                             "is the identity or ignores its input)")
        if layers < 1:
            raise ValueError(f"AffineCoupling: layers must be at least 1, got {layers}")
        self.dim = dim
        widths = [dim] + [hidden] * layers
        blocks: list[Module] = []
        for a, b in zip(widths[:-1], widths[1:]):
            blocks += [Linear(a, b), ReLU()]
        out = Linear(hidden, 2 * dim)
        with no_grad():
            out.weight.zero_()
            out.bias.zero_()
        self.net = Sequential(*blocks, out)
        self.scale = Parameter(ones(dim))
        self.register_buffer("mask", tensor(m, dtype=self.scale.dtype))

    def _shift_scale(self, kept: Tensor) -> tuple[Tensor, Tensor]:
        """s and t for the free coordinates (zero on the masked ones)."""
        raw, t = self.net(kept).chunk(2, 1)
        free = 1 - self.mask
        return free * (self.scale * raw.tanh()), free * t

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(y, log|det dy/dx|) per example."""
        _check_width("AffineCoupling", x, self.dim)
        kept = x * self.mask
        s, t = self._shift_scale(kept)
        return kept + (1 - self.mask) * (x * s.exp() + t), s.sum(1)

    def inverse(self, y: Tensor) -> tuple[Tensor, Tensor]:
        """(x, log|det dx/dy|) per example; y*m = x*m, so s and t are recomputed exactly."""
        _check_width("AffineCoupling", y, self.dim)
        kept = y * self.mask
        s, t = self._shift_scale(kept)
        return kept + (1 - self.mask) * ((y - t) * (-s).exp()), -s.sum(1)


class BatchNormBijector(Module):
    """y = (x - mu) / sqrt(var + eps) * exp(log_gamma) + beta, the RealNVP paper's batch
    normalisation as an invertible layer; log|det| = sum(log_gamma - log(var + eps) / 2). In
    training mu, var are the batch's (biased) statistics and the running averages are updated; in
    evaluation the running averages are used. The training log-det treats the batch statistics as
    constants, as the paper does. The inverse always uses the running statistics (the batch's are
    unknown when starting from y), so it undoes `forward` exactly in evaluation mode."""

    def __init__(self, dim: int, momentum: float = 0.1, eps: float = 1e-5) -> None:
        super().__init__()
        self.dim, self.momentum, self.eps = dim, momentum, eps
        self.log_gamma = Parameter(zeros(dim))
        self.beta = Parameter(zeros(dim))
        self.register_buffer("running_mean", zeros(dim))
        self.register_buffer("running_var", ones(dim))

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        _check_width("BatchNormBijector", x, self.dim)
        if self.training:
            mean, var = x.mean(0), x.var(0, correction=0)
            with no_grad():
                m = self.momentum
                self.running_mean.copy_((1 - m) * self.running_mean + m * mean.detach())
                self.running_var.copy_((1 - m) * self.running_var + m * var.detach())
        else:
            mean, var = self.running_mean, self.running_var
        log_std = 0.5 * (var + self.eps).log()
        y = (x - mean) * (self.log_gamma - log_std).exp() + self.beta
        return y, (self.log_gamma - log_std).sum().expand(x.shape[0])

    def inverse(self, y: Tensor) -> tuple[Tensor, Tensor]:
        _check_width("BatchNormBijector", y, self.dim)
        log_std = 0.5 * (self.running_var + self.eps).log()
        x = (y - self.beta) * (log_std - self.log_gamma).exp() + self.running_mean
        return x, (log_std - self.log_gamma).sum().expand(y.shape[0])


class RealNVP(Module):
    """A stack of `couplings` affine couplings whose masks alternate (even, odd coordinates), each
    followed but the last by a BatchNormBijector when batch_norm=True, mapping data x to a latent
    z with a standard normal density. log_prob(x) = log N(z; 0, I) + log|det dz/dx| in nats;
    forward(x) returns it, so a training loss is -model(x).mean()."""

    def __init__(self, dim: int = 2, couplings: int = 8, hidden: int = 64, layers: int = 2,
                 batch_norm: bool = False) -> None:
        super().__init__()
        if dim < 2:
            raise ValueError(f"RealNVP: dim must be at least 2 to split coordinates, got {dim}")
        if couplings < 1:
            raise ValueError(f"RealNVP: couplings must be at least 1, got {couplings}")
        self.dim = dim
        blocks: list[Module] = []
        for i in range(couplings):
            mask = [float((j + i) % 2) for j in range(dim)]
            blocks.append(AffineCoupling(dim, mask, hidden, layers))
            if batch_norm and i < couplings - 1:
                blocks.append(BatchNormBijector(dim))
        self.layers = ModuleList(blocks)

    def transform(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Data to latent: (z, log|det dz/dx|) per example."""
        _check_width("RealNVP", x, self.dim)
        log_det = 0
        for layer in self.layers:
            x, ld = layer(x)
            log_det = log_det + ld
        return x, log_det

    def inverse(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """Latent to data: (x, log|det dx/dz|) per example."""
        _check_width("RealNVP", z, self.dim)
        log_det = 0
        for layer in reversed(self.layers):
            z, ld = layer.inverse(z)
            log_det = log_det + ld
        return z, log_det

    def log_prob(self, x: Tensor) -> Tensor:
        """log p(x) per example, in nats."""
        z, log_det = self.transform(x)
        base = -0.5 * (z * z).sum(1) - 0.5 * self.dim * math.log(2 * math.pi)
        return base + log_det

    def forward(self, x: Tensor) -> Tensor:
        return self.log_prob(x)

    def sample(self, n: int, generator: Generator | None = None) -> Tensor:
        """n draws from the model: standard normal latents pushed through the inverse."""
        p = next(iter(self.parameters()))
        z = randn(n, self.dim, generator=generator, dtype=p.dtype, device=p.device)
        return self.inverse(z)[0]
