"""The actor-critic network of CleanRL's ppo.py for discrete actions: two separate 64-64 tanh MLPs,
the actor's logits making a `wl.distributions.Categorical` policy and the critic a state value;
orthogonal weights (gain sqrt 2 in the hidden layers, 0.01 on the actor's head so the first
policy is near uniform, 1 on the critic's head) and zero biases."""
from __future__ import annotations

import math

from ..core.tensor import Tensor
from ..distributions import Categorical
from ..nn import Linear, Module, Sequential, Tanh, init


def layer_init(layer: Linear, std: float = math.sqrt(2), bias: float = 0.0) -> Linear:
    """`layer` with orthogonal weights scaled by `std` and constant biases."""
    init.orthogonal_(layer.weight, std)
    init.constant_(layer.bias, bias)
    return layer


def mlp(sizes: list[int], head_std: float) -> Sequential:
    """Linear layers of `sizes` with tanh between them; the last layer's gain is head_std."""
    layers: list[Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        last = i == len(sizes) - 2
        layers.append(layer_init(Linear(a, b), head_std if last else math.sqrt(2)))
        if not last:
            layers.append(Tanh())
    return Sequential(*layers)


class ActorCritic(Module):
    """Policy pi(a | s) and value V(s) over flat observations of size obs_dim, with
    num_actions discrete actions; forward(obs) gives the actor's logits."""

    def __init__(self, obs_dim: int, num_actions: int, hidden: int = 64, layers: int = 2) -> None:
        super().__init__()
        sizes = [obs_dim, *[hidden] * layers]
        self.critic = mlp([*sizes, 1], head_std=1.0)
        self.actor = mlp([*sizes, num_actions], head_std=0.01)

    def forward(self, obs: Tensor) -> Tensor:
        return self.actor(obs)

    def distribution(self, obs: Tensor) -> Categorical:
        """The policy at `obs` (batch, obs_dim): one Categorical per row."""
        return Categorical(logits=self.actor(obs))

    def value(self, obs: Tensor) -> Tensor:
        """V(obs), shape (batch,)."""
        return self.critic(obs).squeeze(-1)


__all__ = ["ActorCritic", "layer_init", "mlp"]
