"""A short seeded PPO run on CartPole-v1 learns: the episodes of its last iterations last far
longer than those of a random policy (about 22 steps), and a resumed source continues the
global step count."""
import numpy as np

import wonderland as wl
from wonderland.optim import Adam
from wonderland.rl import ActorCritic, RolloutSource, ppo_update


def test_ppo_improves_cartpole_returns():
    wl.manual_seed(0)
    np.random.seed(0)
    source = RolloutSource("CartPole-v1", num_envs=4, num_steps=128, seed=0)
    model = ActorCritic(4, 2)
    opt = Adam(model.parameters(), lr=2.5e-3, eps=1e-5)
    returns = []
    for _, (pending, size) in zip(range(16), source):
        assert len(size) == 512
        rollout = pending.collect(model)
        ppo_update(model, opt, rollout, epochs=4, minibatches=4, max_grad_norm=0.5)
        returns.append([g for _, g, _ in rollout.episodes])
    first = np.mean(returns[0] + returns[1])
    last = np.mean([g for r in returns[-3:] for g in r])
    assert first < 30 and last > 2.5 * first, (first, last)
    assert rollout.env_steps == 16 * 512
    steps = [s for s, _, _ in rollout.episodes]
    assert all(15 * 512 < s <= 16 * 512 for s in steps) and steps == sorted(steps)


def test_resuming_starts_fresh_environments_at_the_global_step():
    source = RolloutSource("CartPole-v1", num_envs=2, num_steps=50, seed=3)
    pending, _ = next(source.iter_from(7))
    rollout = pending.collect(ActorCritic(4, 2))
    assert rollout.env_steps == 8 * 100 and len(rollout) == 100
    assert all(700 < s <= 800 for s, _, _ in rollout.episodes)
    first = next(iter(RolloutSource("CartPole-v1", 2, 50, seed=3)))[0].source.env.obs
    assert not np.allclose(source.env.obs, first)  # seeded apart from a fresh run's start
