"""CartPole-v1, REINFORCE with a learned baseline, for contrast with cartpole_ppo: the same
network, environments, steps and annealed Adam, but one gradient step a rollout on the
Monte-Carlo return less V(s) (GAE with lambda = 1), no clipping of the ratio."""
from ._rl import rl_recipe

recipe = rl_recipe(
    "cartpole_reinforce",
    "CartPole-v1, REINFORCE with a value baseline: PPO's network and 4 envs x 128 steps, one "
    "step a rollout on Monte-Carlo advantages, Adam 1e-3 annealed, 500,000 steps",
    algorithm="pg", gae_lambda=1.0, lr=1e-3)
