"""wl.rl: reinforcement learning on Gymnasium environments. Vectorised environments and their
episode statistics, GAE, rollouts that a Trainer iterates, the actor-critic MLP with a Categorical
policy, and the updates: PPO (clipped surrogate and value losses, entropy bonus, minibatch
epochs) and the vanilla policy gradient with a baseline (REINFORCE, one-step actor-critic).
The recipes cartpole_ppo, cartpole_reinforce and cartpole_actor_critic train them."""
from .envs import EpisodeStats, VectorEnv, env_spaces, evaluate_policy
from .gae import gae
from .policies import ActorCritic, layer_init, mlp
from .policy_gradient import policy_gradient_loss, policy_gradient_update
from .ppo import normalize, ppo_loss, ppo_update
from .rollouts import PendingRollout, Rollout, RolloutSource

__all__ = ["ActorCritic", "EpisodeStats", "PendingRollout", "Rollout", "RolloutSource",
           "VectorEnv", "env_spaces", "evaluate_policy", "gae", "layer_init", "mlp", "normalize",
           "policy_gradient_loss", "policy_gradient_update", "ppo_loss", "ppo_update"]
