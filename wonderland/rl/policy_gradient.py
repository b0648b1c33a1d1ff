"""The vanilla policy gradient with a learned baseline, for contrast with PPO: one gradient step a
rollout on -log pi(a|s) A + vf_coef * 0.5 (V - R)^2 - ent_coef * entropy. What the advantage is
makes the algorithm: GAE with lambda = 1 gives the Monte-Carlo return less V(s) (REINFORCE with
a baseline, Williams 1992; bootstrapped only where a rollout cuts an episode), lambda = 0 the
one-step TD error r + gamma V(s') - V(s) (the one-step actor-critic, Sutton & Barto ch. 13.5)."""
from __future__ import annotations

from ..core.tensor import Tensor
from ..nn.utils.clip_grad import clip_grad_norm_
from .ppo import normalize
from .rollouts import Rollout


def policy_gradient_loss(policy, batch: dict[str, Tensor], vf_coef: float = 0.5,
                         ent_coef: float = 0.01,
                         norm_adv: bool = True) -> tuple[Tensor, dict[str, float]]:
    """(loss, figures) on a batch (Rollout.tensors); the advantages are constants."""
    dist = policy.distribution(batch["obs"])
    logprob = dist.log_prob(batch["actions"])
    entropy = dist.entropy().mean()
    adv = normalize(batch["advantages"]) if norm_adv else batch["advantages"]
    pg_loss = -(logprob * adv).mean()
    v_loss = 0.5 * ((policy.value(batch["obs"]) - batch["returns"]) ** 2).mean()
    loss = pg_loss - ent_coef * entropy + vf_coef * v_loss
    return loss, {"policy_loss": pg_loss.item(), "value_loss": v_loss.item(),
                  "entropy": entropy.item()}


def policy_gradient_update(policy, optimizer, rollout: Rollout,
                           max_grad_norm: float | None = 0.5, **loss_args) -> dict[str, float]:
    """One optimizer step on the whole rollout; its figures with 'loss'."""
    loss, figures = policy_gradient_loss(policy, rollout.tensors(), **loss_args)
    optimizer.zero_grad()
    loss.backward()
    if max_grad_norm is not None:
        clip_grad_norm_(policy.parameters(), max_grad_norm)
    optimizer.step()
    return {**figures, "loss": loss.item()}


__all__ = ["policy_gradient_loss", "policy_gradient_update"]
