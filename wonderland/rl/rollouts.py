"""The training data of the RL recipes: a rollout source that a Trainer iterates as it would a
DataLoader. Each item stands for one iteration: collect num_steps x num_envs transitions with the
current policy (without gradients), then advantages and returns by GAE, and the episodes that
ended, as (global environment step, return, length).

The policy is the model being trained, which the data is built before, so an item is a pending
rollout that the recipe's train_step collects with `trainer.model`: `for x, y in source` gives
x = y = a PendingRollout whose len() is the number of transitions (what the Trainer counts as
samples). The stream never ends (one pass is the whole run). iter_from(k), the Trainer's resume,
starts fresh environments seeded from k: environments cannot be saved in a checkpoint, so a
resumed RL run is not bit-identical to an uninterrupted one (its weights, optimizer and random
states are restored exactly; the episodes under way when it stopped are lost)."""
from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from ..core.grad_mode import no_grad
from ..core.tensor import Tensor
from .envs import VectorEnv, evaluate_policy
from .gae import gae


@dataclass
class Rollout:
    """One iteration's transitions, flattened to (num_steps * num_envs, ...) NumPy arrays, with
    the episodes that ended during it and the global environment step at its end."""

    obs: np.ndarray
    actions: np.ndarray
    logprobs: np.ndarray
    values: np.ndarray
    advantages: np.ndarray
    returns: np.ndarray
    env_steps: int
    episodes: list[tuple[int, float, int]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.actions)

    def tensors(self, index: np.ndarray | slice = slice(None)) -> dict[str, Tensor]:
        """The rows `index` of every per-transition array, as tensors."""
        return {k: Tensor(getattr(self, k)[index]) for k in
                ("obs", "actions", "logprobs", "values", "advantages", "returns")}


class RolloutSource:
    """Rollouts of `num_steps` steps in `num_envs` copies of `env_id` (seeded from `seed`), with
    GAE(gamma, lam) advantages. Iterate it as the Trainer does (see the module's docstring);
    evaluate() scores a policy over whole episodes (what `wonderland eval --episodes` runs)."""

    def __init__(self, env_id: str, num_envs: int, num_steps: int, seed: int,
                 gamma: float = 0.99, lam: float = 0.95, greedy_eval: bool = False) -> None:
        for name, value in (("num_envs", num_envs), ("num_steps", num_steps)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"RolloutSource: {name} must be a positive integer, got {value!r}")
        self.env_id, self.num_envs, self.num_steps = env_id, num_envs, num_steps
        self.seed, self.gamma, self.lam, self.greedy_eval = seed, gamma, lam, greedy_eval
        self.env: VectorEnv | None = None  # made by iter_from: building the data stays cheap

    @property
    def batch_size(self) -> int:
        """Transitions per iteration: num_steps x num_envs."""
        return self.num_steps * self.num_envs

    def __iter__(self) -> Iterator:
        return self.iter_from(0)

    def example_batch(self, n: int) -> Tensor:
        """n first observations (of environments seeded seed, seed + 1 ...): an input to show a
        policy (`wonderland viz graph`), without starting the rollouts."""
        env = VectorEnv(self.env_id, n, self.seed)
        try:
            return Tensor(env.obs.astype(np.float32))
        finally:
            env.close()

    def iter_from(self, iteration: int) -> Iterator:
        """The pending rollouts from `iteration` on, in fresh environments (seed, seed + 1 ...
        for a new run; shifted by the iteration when resuming, so no episode repeats)."""
        if self.env is not None:
            self.env.close()
        self.env = VectorEnv(self.env_id, self.num_envs, self.seed + iteration * self.num_envs)
        for k in itertools.count(iteration):
            pending = PendingRollout(self, k)
            yield pending, pending

    def evaluate(self, policy, episodes: int) -> dict[str, float]:
        """Mean and std of the return of `policy` over `episodes` episodes in one environment
        seeded apart from training's (seed + 1,000,000 on), actions sampled from the policy, or
        its most likely ones with greedy_eval."""
        return evaluate_policy(policy, self.env_id, episodes, self.seed + 1_000_000,
                               self.greedy_eval)

    def collect(self, policy, iteration: int) -> Rollout:
        """Act num_steps times in every environment with `policy` (sampled actions, no
        gradients); the rollout with its GAE advantages and returns."""
        if self.env is None:
            raise RuntimeError("RolloutSource.collect: iterate the source first (it makes the "
                               "environments)")
        env, (t_max, n) = self.env, (self.num_steps, self.num_envs)
        obs = np.zeros((t_max, n, env.obs_dim), np.float32)
        actions = np.zeros((t_max, n), np.int64)
        logprobs, values, rewards, dones = (np.zeros((t_max, n), np.float32) for _ in range(4))
        step0 = iteration * self.batch_size
        current = env.obs.astype(np.float32)
        with no_grad():
            for t in range(t_max):
                x = Tensor(current)
                dist = policy.distribution(x)
                action = dist.sample()
                obs[t], actions[t] = current, action.numpy()
                logprobs[t] = dist.log_prob(action).numpy()
                values[t] = policy.value(x).numpy()
                current, rewards[t], dones[t] = env.step(actions[t], step0 + (t + 1) * n)
            last_value = policy.value(Tensor(current)).numpy()
        advantages, returns = gae(rewards, values, dones, last_value, self.gamma, self.lam)
        flat = (lambda a: a.reshape(t_max * n, *a.shape[2:]))  # noqa: E731
        return Rollout(flat(obs), flat(actions), flat(logprobs), flat(values), flat(advantages),
                       flat(returns), step0 + self.batch_size, env.stats.take())


@dataclass
class PendingRollout:
    """Iteration `iteration` of a RolloutSource, to collect with the current policy."""

    source: RolloutSource
    iteration: int

    def __len__(self) -> int:
        return self.source.batch_size

    def collect(self, policy) -> Rollout:
        return self.source.collect(policy, self.iteration)


__all__ = ["PendingRollout", "Rollout", "RolloutSource"]
