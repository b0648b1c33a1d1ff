"""WGAN-GP (Gulrajani et al. 2017, Improved Training of Wasserstein GANs) for vector data: a ReLU
MLP generator from Gaussian noise, a ReLU MLP critic, the gradient penalty on interpolates, and
one critic-then-generator update. The defaults are the paper's toy networks (gan_toy.py of
github.com/igul222/improved_wgan_training): noise 2 -> 512 x 3 -> 2 and 2 -> 512 x 3 -> 1."""
from __future__ import annotations

from collections.abc import Sequence

from ..autodiff import grad
from ..core import random as wl_random
from ..core.tensor import Tensor
from ..nn import Linear, Module, ReLU, Sequential
from ..ops.creation import rand, randn

__all__ = ["Critic", "Generator", "WGANGP", "gradient_penalty"]


def _relu_mlp(n_in: int, hidden: int, layers: int, n_out: int) -> Sequential:
    widths = [n_in] + [hidden] * layers
    blocks: list[Module] = []
    for a, b in zip(widths[:-1], widths[1:]):
        blocks += [Linear(a, b), ReLU()]
    return Sequential(*blocks, Linear(widths[-1], n_out))


class Generator(Module):  # the paper's name; the random-number one is core.random.Generator
    """x = net(z) for z ~ N(0, I) of width noise_dim: `layers` hidden ReLU layers of `hidden`."""

    def __init__(self, noise_dim: int = 2, dim: int = 2, hidden: int = 512, layers: int = 3):
        super().__init__()
        self.noise_dim = noise_dim
        self.net = _relu_mlp(noise_dim, hidden, layers, dim)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)

    def sample(self, n: int, generator: wl_random.Generator | None = None) -> Tensor:
        """n generated points (n, dim), their noise drawn from `generator` (default: global)."""
        return self(randn(n, self.noise_dim, generator=generator))


class Critic(Module):
    """A score per point (N,): `layers` hidden ReLU layers of `hidden`, then a linear output."""

    def __init__(self, dim: int = 2, hidden: int = 512, layers: int = 3):
        super().__init__()
        self.net = _relu_mlp(dim, hidden, layers, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).squeeze(1)


def gradient_penalty(critic: Module, real: Tensor, fake: Tensor,
                     generator: wl_random.Generator | None = None,
                     alpha: Tensor | None = None) -> Tensor:
    """mean((|grad_x critic(x_hat)| - 1)^2) over x_hat = alpha real + (1 - alpha) fake, one
    alpha ~ U[0, 1) per pair (or the given (N, 1) alpha). Built with create_graph, so its
    gradient reaches the critic's weights through the input gradient (double backward)."""
    if real.shape != fake.shape or real.ndim != 2:
        raise ValueError(f"gradient_penalty: expected real and fake of one shape (N, D), got "
                         f"{tuple(real.shape)} and {tuple(fake.shape)}")
    if alpha is None:
        alpha = rand(real.shape[0], 1, generator=generator, dtype=real.dtype, device=real.device)
    x_hat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_()
    (g,) = grad(critic(x_hat).sum(), x_hat, create_graph=True)
    slopes = (g * g).sum(1).sqrt()
    return ((slopes - 1) ** 2).mean()


def _step(optimizer, loss: Tensor, params: Sequence[Tensor]) -> None:
    """Set the gradients of `params` alone (others stay None, so the optimizer leaves them and
    their state untouched) and step."""
    optimizer.zero_grad()
    for p, g in zip(params, grad(loss, list(params))):
        p.grad = g
    optimizer.step()


class WGANGP(Module):
    """The generator and the critic in one module, so one state_dict (and one checkpoint) holds
    both. forward(x) gives critic(x) - critic(G(z)) per point, z fresh: minus its mean is the
    critic's loss without the penalty (an estimate of minus the Wasserstein-1 distance)."""

    def __init__(self, noise_dim: int = 2, dim: int = 2, hidden: int = 512, layers: int = 3,
                 penalty: float = 0.1):
        super().__init__()
        self.generator = Generator(noise_dim, dim, hidden, layers)
        self.critic = Critic(dim, hidden, layers)
        self.penalty = penalty

    def forward(self, x: Tensor) -> Tensor:
        return self.critic(x) - self.critic(self.generator.sample(x.shape[0]))

    def critic_loss(self, real: Tensor) -> Tensor:
        """mean critic(fake) - mean critic(real) + penalty * gradient_penalty, with as many
        fake points as real ones (the generator's output held fixed)."""
        fake = self.generator.sample(real.shape[0]).detach()
        return (self.critic(fake).mean() - self.critic(real).mean()
                + self.penalty * gradient_penalty(self.critic, real, fake))

    def generator_loss(self, n: int) -> Tensor:
        """-mean critic(G(z)) over n fresh noise draws."""
        return -self.critic(self.generator.sample(n)).mean()

    def update(self, optimizer, real_batches: Sequence[Tensor]) -> float:
        """One critic step per real batch, then one generator step on as many noise draws as
        the last batch held; returns the last critic loss. `optimizer` holds all parameters
        (Adam keeps state per parameter, so one optimizer serves both players)."""
        if not real_batches:
            raise ValueError("WGANGP.update: needs at least one real batch")
        critic_params = list(self.critic.parameters())
        for real in real_batches:
            loss = self.critic_loss(real)
            _step(optimizer, loss, critic_params)
        _step(optimizer, self.generator_loss(real.shape[0]), list(self.generator.parameters()))
        return float(loss.item())
