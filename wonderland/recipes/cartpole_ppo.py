"""CartPole-v1, PPO with CleanRL's ppo.py configuration (the 37 implementation details of Huang
et al. 2022): 500,000 steps in 4 vectorised environments, GAE, clipped surrogate and value
losses, normalised advantages, entropy bonus, annealed Adam, gradient clipping, orthogonal
initialisation, 4 epochs x 4 minibatches. CleanRL reports 492.40 +- 13.05."""
from ._rl import rl_recipe

recipe = rl_recipe(
    "cartpole_ppo",
    "CartPole-v1, PPO as CleanRL's ppo.py: 64-64 tanh actor and critic, 4 envs x 128 steps, "
    "4 epochs x 4 minibatches, Adam 2.5e-4 annealed, clip 0.2, 500,000 steps",
    published={"test_train_return": 492.40,
               "source": "CleanRL ppo.py, CartPole-v1 (docs.cleanrl.dev)"})
