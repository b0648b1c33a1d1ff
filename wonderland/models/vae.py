"""Variational autoencoders (Kingma & Welling 2014) with a Gaussian posterior q(z|x), a N(0, I)
prior and Bernoulli pixels: the MLP of PyTorch's examples/vae, a small convolutional variant,
the per-example negative ELBO and the importance-weighted estimate of log p(x) (Burda et al.)."""
from __future__ import annotations

import math

from ..core.random import Generator
from ..core.tensor import Tensor
from ..functional import binary_cross_entropy_with_logits
from ..nn import Conv2d, ConvTranspose2d, Linear, Module
from ..ops import cat, logsumexp, randn, randn_like

__all__ = ["VAE", "ConvVAE", "negative_elbo", "importance_weighted_log_px"]


class _GaussianVAE(Module):
    """What both models share: subclasses give encode(x) -> (mu, logvar) and decode(z) ->
    Bernoulli logits; forward samples z by the reparameterisation trick."""

    def reparameterize(self, mu: Tensor, logvar: Tensor, eps: Tensor | None = None,
                       generator: Generator | None = None) -> Tensor:
        """z = mu + exp(logvar / 2) * eps, eps ~ N(0, I) from `generator` unless given."""
        if eps is None:
            eps = randn_like(mu, generator=generator)
        elif eps.shape != mu.shape:
            raise ValueError(f"{type(self).__name__}: eps of shape {eps.shape} must match mu's "
                             f"shape {mu.shape}")
        return mu + (0.5 * logvar).exp() * eps

    def forward(self, x: Tensor, generator: Generator | None = None,
                eps: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """(logits of p(x|z), mu, logvar) for one z per example drawn from q(z|x)."""
        mu, logvar = self.encode(x)
        return self.decode(self.reparameterize(mu, logvar, eps, generator)), mu, logvar


class VAE(_GaussianVAE):
    """PyTorch examples/vae: fc1 (in -> hidden) ReLU -> fc21 / fc22 (hidden -> latent) for mu and
    logvar; fc3 (latent -> hidden) ReLU -> fc4 (hidden -> in) Bernoulli logits. Takes (N, in) or
    any (N, ...) holding `in_features` values per example; decode gives (N, in_features)."""

    def __init__(self, in_features: int = 784, hidden: int = 400, latent: int = 20) -> None:
        super().__init__()
        self.in_features, self.latent = in_features, latent
        self.fc1 = Linear(in_features, hidden)
        self.fc21 = Linear(hidden, latent)
        self.fc22 = Linear(hidden, latent)
        self.fc3 = Linear(latent, hidden)
        self.fc4 = Linear(hidden, in_features)

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        if x.ndim < 2 or math.prod(x.shape[1:]) != self.in_features:
            raise ValueError(f"VAE: expected (N, {self.in_features}) inputs or (N, ...) with "
                             f"{self.in_features} values per example, got shape {x.shape}")
        h = self.fc1(x.flatten(1)).relu()
        return self.fc21(h), self.fc22(h)

    def decode(self, z: Tensor) -> Tensor:
        return self.fc4(self.fc3(z).relu())


class ConvVAE(_GaussianVAE):
    """x (N, C, S, S) -> conv1 Conv2d(C, 32, 4, stride 2, pad 1) ReLU -> conv2 Conv2d(32, 64, 4,
    2, 1) ReLU (S -> S/2 -> S/4) -> flatten -> fc_mu / fc_logvar (64 (S/4)^2 -> latent).
    z -> fc_dec (latent -> 64 (S/4)^2) ReLU -> deconv1 ConvTranspose2d(64, 32, 4, 2, 1) ReLU ->
    deconv2 ConvTranspose2d(32, C, 4, 2, 1) -> (N, C, S, S) logits. S must be a multiple of 4."""

    def __init__(self, channels: int = 1, size: int = 28, latent: int = 20) -> None:
        super().__init__()
        if size % 4 or size < 4:
            raise ValueError(f"ConvVAE: size must be a positive multiple of 4 (two stride-2 "
                             f"stages), got {size}")
        self.channels, self.size, self.latent = channels, size, latent
        self._grid = size // 4
        features = 64 * self._grid * self._grid
        self.conv1 = Conv2d(channels, 32, 4, stride=2, padding=1)
        self.conv2 = Conv2d(32, 64, 4, stride=2, padding=1)
        self.fc_mu = Linear(features, latent)
        self.fc_logvar = Linear(features, latent)
        self.fc_dec = Linear(latent, features)
        self.deconv1 = ConvTranspose2d(64, 32, 4, stride=2, padding=1)
        self.deconv2 = ConvTranspose2d(32, channels, 4, stride=2, padding=1)

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        want = (self.channels, self.size, self.size)
        if x.ndim != 4 or tuple(x.shape[1:]) != want:
            raise ValueError(f"ConvVAE: expected inputs of shape (N, {', '.join(map(str, want))})"
                             f", got shape {x.shape}")
        h = self.conv2(self.conv1(x).relu()).relu().flatten(1)
        return self.fc_mu(h), self.fc_logvar(h)

    def decode(self, z: Tensor) -> Tensor:
        h = self.fc_dec(z).relu().reshape(z.shape[0], 64, self._grid, self._grid)
        return self.deconv2(self.deconv1(h).relu())


def _log_px_given_z(logits: Tensor, x: Tensor) -> Tensor:
    """Bernoulli log-likelihood summed over each example's pixels; logits and x may differ in
    shape past the batch dimension (the MLP decodes flat vectors) but not in size."""
    if logits.shape[0] != x.shape[0] or math.prod(logits.shape[1:]) != math.prod(x.shape[1:]):
        raise ValueError(f"negative_elbo: logits of shape {logits.shape} do not match the data's "
                         f"shape {x.shape}")
    bce = binary_cross_entropy_with_logits(logits.flatten(1), x.flatten(1), reduction="none")
    return -bce.sum(1)


def negative_elbo(logits: Tensor, x: Tensor, mu: Tensor, logvar: Tensor) -> Tensor:
    """Per-example -ELBO in nats: -log p(x|z) (Bernoulli with logits, summed over pixels) plus
    KL(N(mu, exp(logvar)) || N(0, I)) in closed form."""
    kl = -0.5 * (1 + logvar - mu * mu - logvar.exp()).sum(1)
    return kl - _log_px_given_z(logits, x)


def importance_weighted_log_px(model: Module, x: Tensor, k: int = 100,
                               generator: Generator | None = None,
                               max_batch: int = 4096) -> Tensor:
    """Per-example IWAE estimate of log p(x): log (1/k) sum_i p(x, z_i) / q(z_i|x) with k draws
    z_i ~ q(z|x), combined by logsumexp. Draws are decoded in chunks of at most `max_batch`
    images. k = 1 is an unbiased estimate of the ELBO; the bound tightens as k grows."""
    if k < 1:
        raise ValueError(f"importance_weighted_log_px: k must be at least 1, got {k}")
    mu, logvar = model.encode(x)
    n, latent = mu.shape
    per_chunk = max(1, max_batch // n)
    log_w = []
    for start in range(0, k, per_chunk):
        m = min(per_chunk, k - start)
        eps = randn(m, n, latent, generator=generator, dtype=mu.dtype, device=mu.device)
        z = mu + (0.5 * logvar).exp() * eps                     # (m, n, latent)
        logits = model.decode(z.reshape(m * n, latent))
        xs = x.unsqueeze(0).expand(m, *x.shape).reshape(m * n, *x.shape[1:])
        log_px_z = _log_px_given_z(logits, xs).reshape(m, n)
        # log p(z) - log q(z|x): the 2 pi terms cancel, z = mu + sigma eps
        log_pz_over_qz = (0.5 * (eps * eps - z * z + logvar)).sum(2)
        log_w.append(log_px_z + log_pz_over_qz)
    return logsumexp(cat(log_w, 0), dim=0) - math.log(k)
