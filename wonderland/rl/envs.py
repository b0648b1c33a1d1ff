"""Vectorised Gymnasium environments for the RL recipes: construction and seeding, per-episode
statistics (return and length of every finished episode), and the evaluation of a policy over
whole episodes. Needs the optional `gymnasium` package (the `rl` extra), imported on first use."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _gym():
    try:
        import gymnasium
    except ImportError:  # pragma: no cover - the extra is installed in the tests' venv
        raise ImportError("wonderland.rl: the environments need gymnasium: pip install "
                          "'wonderland[rl]' (or pip install 'gymnasium>=1.0')") from None
    return gymnasium


@dataclass
class EpisodeStats:
    """Running return and length of each environment's current episode; `finished` collects
    (global env step, return, length) of every episode that ends."""

    num_envs: int
    returns: np.ndarray = field(init=False)
    lengths: np.ndarray = field(init=False)
    finished: list[tuple[int, float, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.returns = np.zeros(self.num_envs)
        self.lengths = np.zeros(self.num_envs, dtype=np.int64)

    def update(self, rewards: np.ndarray, dones: np.ndarray, global_step: int) -> None:
        """Add one step's rewards; record and restart the episodes that ended in it."""
        self.returns += rewards
        self.lengths += 1
        for i in np.flatnonzero(dones):
            self.finished.append((int(global_step), float(self.returns[i]), int(self.lengths[i])))
            self.returns[i], self.lengths[i] = 0.0, 0

    def take(self) -> list[tuple[int, float, int]]:
        """The episodes finished since the last take()."""
        out, self.finished = self.finished, []
        return out


class VectorEnv:
    """`num_envs` copies of `env_id` stepped together (Gymnasium's SyncVectorEnv, as CleanRL's
    ppo.py uses), each reset once with seed + i and then reset automatically in the step its
    episode ends (same-step autoreset: the observation returned is the new episode's first).
    step() returns (observations, rewards, dones) with done = terminated or truncated, as CleanRL
    treats a time limit (no bootstrap from the final observation)."""

    def __init__(self, env_id: str, num_envs: int, seed: int) -> None:
        gym = _gym()
        if num_envs < 1:
            raise ValueError(f"VectorEnv: num_envs must be at least 1, got {num_envs}")
        self.env_id, self.num_envs = env_id, num_envs
        self.envs = gym.vector.SyncVectorEnv(
            [lambda: gym.make(env_id) for _ in range(num_envs)],
            autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)
        space = self.envs.single_action_space
        if not isinstance(space, gym.spaces.Discrete):
            raise ValueError(f"VectorEnv: {env_id} has actions {space}; the policies here are "
                             f"categorical, they need a Discrete action space")
        self.envs.single_action_space.seed(seed)
        self.obs_dim = int(np.prod(self.envs.single_observation_space.shape))
        self.num_actions = int(space.n)
        self.obs, _ = self.envs.reset(seed=[seed + i for i in range(num_envs)])
        self.stats = EpisodeStats(num_envs)

    def step(self, actions: np.ndarray, global_step: int):
        """Act in every environment; (next observations, rewards, dones) as float32 arrays."""
        obs, rewards, terminated, truncated, _ = self.envs.step(actions)
        dones = np.logical_or(terminated, truncated)
        self.stats.update(rewards, dones, global_step)
        self.obs = obs
        return obs.astype(np.float32), rewards.astype(np.float32), dones.astype(np.float32)

    def close(self) -> None:
        self.envs.close()


def env_spaces(env_id: str) -> tuple[int, int]:
    """(observation size, number of actions) of a Gymnasium environment."""
    gym = _gym()
    env = gym.make(env_id)
    try:
        return (int(np.prod(env.observation_space.shape)), int(env.action_space.n))
    finally:
        env.close()


def evaluate_policy(policy, env_id: str, episodes: int, seed: int,
                    greedy: bool = False) -> dict[str, float]:
    """Mean and standard deviation of the return of `policy` over `episodes` whole episodes of
    `env_id` (one environment, reset with seed, seed + 1, ...); actions sampled from the policy's
    distribution, or its most likely action with `greedy`."""
    from ..core.grad_mode import no_grad
    from ..core.tensor import Tensor

    if episodes < 1:
        raise ValueError(f"evaluate_policy: episodes must be at least 1, got {episodes}")
    env = _gym().make(env_id)
    returns = []
    try:
        with no_grad():
            for k in range(episodes):
                obs, _ = env.reset(seed=seed + k)
                total, done = 0.0, False
                while not done:
                    dist = policy.distribution(Tensor(np.asarray(obs, np.float32)[None]))
                    action = dist.mode if greedy else dist.sample()
                    obs, reward, terminated, truncated, _ = env.step(int(action.numpy()[0]))
                    total += float(reward)
                    done = terminated or truncated
                returns.append(total)
    finally:
        env.close()
    return {"return": float(np.mean(returns)), "return_std": float(np.std(returns)),
            "episodes": float(episodes)}


__all__ = ["EpisodeStats", "VectorEnv", "env_spaces", "evaluate_policy"]
