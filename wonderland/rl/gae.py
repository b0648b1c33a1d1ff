"""Generalised advantage estimation (Schulman et al. 2016) over a rollout of T steps in N
environments: A_t = sum_k (gamma lambda)^k delta_{t+k}, delta_t = r_t + gamma V(s_{t+1}) (1 - d_t)
- V(s_t), cut at every episode end. lambda = 1 gives Monte-Carlo returns less the baseline
(REINFORCE), lambda = 0 the one-step TD error (actor-critic)."""
from __future__ import annotations

import numpy as np


def gae(rewards: np.ndarray, values: np.ndarray, dones: np.ndarray, last_value: np.ndarray,
        gamma: float, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """(advantages, returns = advantages + values), each (T, N). rewards[t], dones[t]: what
    acting at step t gave (dones[t] = 1 when the episode ended there, so the value after it is
    not bootstrapped); values[t] = V(s_t); last_value = V(s_T), the state after the rollout."""
    rewards, values, dones = (np.asarray(a, np.float64) for a in (rewards, values, dones))
    if not (rewards.shape == values.shape == dones.shape) or rewards.ndim != 2:
        raise ValueError(f"gae: rewards, values and dones must share one (T, N) shape, got "
                         f"{rewards.shape}, {values.shape}, {dones.shape}")
    last_value = np.asarray(last_value, np.float64)
    if last_value.shape != rewards.shape[1:]:
        raise ValueError(f"gae: last_value must have shape ({rewards.shape[1]},) (one per "
                         f"environment), got {last_value.shape}")
    advantages = np.zeros_like(rewards)
    running = np.zeros_like(last_value)
    next_value = last_value
    for t in reversed(range(rewards.shape[0])):  # a recurrence: each step needs the next one's
        alive = 1.0 - dones[t]
        delta = rewards[t] + gamma * next_value * alive - values[t]
        running = delta + gamma * lam * alive * running
        advantages[t] = running
        next_value = values[t]
    return advantages.astype(np.float32), (advantages + values).astype(np.float32)


__all__ = ["gae"]
