"""Proximal policy optimisation (Schulman et al. 2017) as CleanRL's ppo.py does it: the clipped
surrogate objective on minibatch-normalised advantages, the clipped value loss, the entropy
bonus, and the update of `epochs` passes over the rollout in shuffled minibatches, each step's
gradient norm clipped."""
from __future__ import annotations

import numpy as np

from ..core.grad_mode import no_grad
from ..core.tensor import Tensor
from ..nn.utils.clip_grad import clip_grad_norm_
from ..ops import maximum
from .rollouts import Rollout


def normalize(x: Tensor, eps: float = 1e-8) -> Tensor:
    """(x - mean) / (std + eps), the sample standard deviation (n - 1), as CleanRL's."""
    return (x - x.mean()) / (x.std() + eps)


def ppo_loss(policy, batch: dict[str, Tensor], clip_coef: float = 0.2, vf_coef: float = 0.5,
             ent_coef: float = 0.01, clip_vloss: bool = True,
             norm_adv: bool = True) -> tuple[Tensor, dict[str, float]]:
    """(loss, figures) on a minibatch (Rollout.tensors): policy loss - ent_coef * entropy +
    vf_coef * value loss. The policy loss is the mean of max(-A r, -A clip(r, 1 -+ clip_coef)),
    r = pi(a|s) / pi_old(a|s); the value loss 0.5 * the mean of max((V - R)^2, (V_clip - R)^2)
    with V_clip = V_old + clip(V - V_old, -+ clip_coef) (or the plain squared error)."""
    dist = policy.distribution(batch["obs"])
    logprob = dist.log_prob(batch["actions"])
    entropy = dist.entropy().mean()
    value = policy.value(batch["obs"])
    logratio = logprob - batch["logprobs"]
    ratio = logratio.exp()
    adv = normalize(batch["advantages"]) if norm_adv else batch["advantages"]
    pg_loss = maximum(-adv * ratio, -adv * ratio.clamp(1 - clip_coef, 1 + clip_coef)).mean()
    returns, old_value = batch["returns"], batch["values"]
    if clip_vloss:
        clipped = old_value + (value - old_value).clamp(-clip_coef, clip_coef)
        v_loss = 0.5 * maximum((value - returns) ** 2, (clipped - returns) ** 2).mean()
    else:
        v_loss = 0.5 * ((value - returns) ** 2).mean()
    loss = pg_loss - ent_coef * entropy + vf_coef * v_loss
    with no_grad():  # what CleanRL logs: the (k3) KL estimate and the fraction clipped
        approx_kl = ((ratio - 1) - logratio).mean().item()
        clipfrac = ((ratio - 1).abs() > clip_coef).float().mean().item()
    return loss, {"policy_loss": pg_loss.item(), "value_loss": v_loss.item(),
                  "entropy": entropy.item(), "approx_kl": approx_kl, "clipfrac": clipfrac}


def ppo_update(policy, optimizer, rollout: Rollout, epochs: int = 4, minibatches: int = 4,
               max_grad_norm: float | None = 0.5, rng: np.random.Generator | None = None,
               **loss_args) -> dict[str, float]:
    """`epochs` passes over the rollout, each in `minibatches` shuffled minibatches (NumPy's
    global generator, or `rng`), one optimizer step each; the figures of the last minibatch with
    its 'loss' (as CleanRL logs them). loss_args go to ppo_loss."""
    n = len(rollout)
    size = n // minibatches
    if size < 1:
        raise ValueError(f"ppo_update: {n} transitions cannot make {minibatches} minibatches")
    figures: dict[str, float] = {}
    for _ in range(epochs):
        order = (rng or np.random).permutation(n)
        for start in range(0, n, size):
            loss, figures = ppo_loss(policy, rollout.tensors(order[start:start + size]),
                                     **loss_args)
            optimizer.zero_grad()
            loss.backward()
            if max_grad_norm is not None:
                clip_grad_norm_(policy.parameters(), max_grad_norm)
            optimizer.step()
            figures["loss"] = loss.item()
    return figures


__all__ = ["normalize", "ppo_loss", "ppo_update"]
