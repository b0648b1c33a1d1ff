"""CartPole-v1, the one-step actor-critic, for contrast with cartpole_ppo: the same network,
advantages from the one-step TD error r + gamma V(s') - V(s) (GAE with lambda = 0), one
gradient step every 16 environment steps in 4 environments (64 transitions), 500,000 steps."""
from ._rl import rl_recipe

recipe = rl_recipe(
    "cartpole_actor_critic",
    "CartPole-v1, one-step actor-critic: PPO's network, TD(0) advantages, one step every 16 "
    "steps in 4 envs, Adam 1e-3 annealed, 500,000 steps",
    algorithm="pg", gae_lambda=0.0, num_steps=16, steps=500_000 // (4 * 16), lr=1e-3,
    norm_adv=False, checkpoint_every=1000, log_every=100, eval_every=1000)
