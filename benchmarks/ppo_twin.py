"""PPO on CartPole-v1 (the cartpole_ppo recipe) in wonderland beside a CleanRL-style PyTorch
twin on the same machine: the same configuration, the same environments (wonderland.rl's
vectorised Gymnasium CartPole, seeded alike) and, with --same-init (the default), the same
initial weights. The runs draw their own actions, so their episodes differ after the first
step: compare returns as two samples, and wall times as the figure. Only training is timed.

    python benchmarks/ppo_twin.py [--steps 976] [--seed 0] [--threads 1] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from wonderland.recipes import get
from wonderland.recipes._rl import update
from wonderland.rl import VectorEnv
from wonderland.train.run import build, seed_everything


def torch_layer(n_in: int, n_out: int, std: float) -> nn.Linear:
    layer = nn.Linear(n_in, n_out)
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, 0.0)
    return layer


class TorchAgent(nn.Module):
    """CleanRL's Agent: separate 64-64 tanh critic and actor, orthogonal initialisation."""

    def __init__(self, obs_dim: int, num_actions: int, hidden: int = 64) -> None:
        super().__init__()
        self.critic = nn.Sequential(torch_layer(obs_dim, hidden, 2 ** 0.5), nn.Tanh(),
                                    torch_layer(hidden, hidden, 2 ** 0.5), nn.Tanh(),
                                    torch_layer(hidden, 1, 1.0))
        self.actor = nn.Sequential(torch_layer(obs_dim, hidden, 2 ** 0.5), nn.Tanh(),
                                   torch_layer(hidden, hidden, 2 ** 0.5), nn.Tanh(),
                                   torch_layer(hidden, num_actions, 0.01))

    def get_value(self, x):
        return self.critic(x)

    def get_action_and_value(self, x, action=None):
        probs = torch.distributions.Categorical(logits=self.actor(x))
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action), probs.entropy(), self.critic(x)


def train_torch(cfg: dict, iterations: int, state: dict | None) -> tuple[float, list]:
    """CleanRL's ppo.py loop; (wall seconds, [(env step, return)])."""
    seed_everything(cfg["seed"])
    torch.manual_seed(cfg["seed"])
    n, t_max = cfg["num_envs"], cfg["num_steps"]
    envs = VectorEnv(cfg["env_id"], n, cfg["seed"])
    agent = TorchAgent(envs.obs_dim, envs.num_actions, cfg["hidden"])
    if state is not None:
        agent.load_state_dict(state)
    opt = torch.optim.Adam(agent.parameters(), lr=cfg["lr"], eps=cfg["adam_eps"])
    batch = n * t_max
    mb = batch // cfg["minibatches"]
    obs = torch.zeros((t_max, n, envs.obs_dim))
    actions, logprobs, rewards, dones, values = (torch.zeros((t_max, n)) for _ in range(5))
    next_obs = torch.tensor(envs.obs, dtype=torch.float32)
    global_step = 0
    start = time.perf_counter()
    for it in range(iterations):
        if cfg["anneal_lr"]:
            opt.param_groups[0]["lr"] = (1.0 - it / cfg["steps"]) * cfg["lr"]
        for t in range(t_max):
            global_step += n
            obs[t] = next_obs
            with torch.no_grad():
                action, logprob, _, value = agent.get_action_and_value(next_obs)
            values[t], actions[t], logprobs[t] = value.flatten(), action, logprob
            o, r, d = envs.step(action.numpy(), global_step)
            next_obs, rewards[t], dones[t] = (torch.from_numpy(o), torch.from_numpy(r),
                                              torch.from_numpy(d))
        with torch.no_grad():  # GAE; dones[t] ends the episode at step t
            next_value = agent.get_value(next_obs).flatten()
            advantages = torch.zeros_like(rewards)
            running = torch.zeros(n)
            for t in reversed(range(t_max)):
                alive = 1.0 - dones[t]
                following = next_value if t == t_max - 1 else values[t + 1]
                delta = rewards[t] + cfg["gamma"] * following * alive - values[t]
                running = delta + cfg["gamma"] * cfg["gae_lambda"] * alive * running
                advantages[t] = running
            returns = advantages + values
        b_obs, b_logprobs = obs.reshape(batch, -1), logprobs.reshape(-1)
        b_actions, b_adv = actions.reshape(-1).long(), advantages.reshape(-1)
        b_returns, b_values = returns.reshape(-1), values.reshape(-1)
        inds = np.arange(batch)
        for _ in range(cfg["epochs"]):
            np.random.shuffle(inds)
            for s in range(0, batch, mb):
                i = inds[s:s + mb]
                _, newlogprob, entropy, newvalue = agent.get_action_and_value(b_obs[i],
                                                                              b_actions[i])
                ratio = (newlogprob - b_logprobs[i]).exp()
                adv = b_adv[i]
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
                pg = torch.max(-adv * ratio, -adv * torch.clamp(ratio, 1 - cfg["clip_coef"],
                                                                 1 + cfg["clip_coef"])).mean()
                newvalue = newvalue.view(-1)
                clipped = b_values[i] + torch.clamp(newvalue - b_values[i], -cfg["clip_coef"],
                                                    cfg["clip_coef"])
                v_loss = 0.5 * torch.max((newvalue - b_returns[i]) ** 2,
                                         (clipped - b_returns[i]) ** 2).mean()
                loss = pg - cfg["ent_coef"] * entropy.mean() + cfg["vf_coef"] * v_loss
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), cfg["max_grad_norm"])
                opt.step()
    wall = time.perf_counter() - start
    envs.close()
    return wall, [(s, g) for s, g, _ in envs.stats.take()]


def train_wonderland(recipe, cfg: dict, iterations: int) -> tuple[float, list, dict]:
    """The recipe's own pieces (rollout source, update, annealing) without the Trainer's run
    directory; (wall seconds, [(env step, return)], the initial weights)."""
    model, (source, _, _) = build(recipe, cfg)
    initial = {k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()}
    opt = recipe.optimizer(cfg, model.parameters())
    sched = recipe.scheduler(cfg, opt)
    found: list = []
    start = time.perf_counter()
    for _, (pending, _) in zip(range(iterations), source):
        rollout = pending.collect(model)
        update(model, opt, rollout, cfg)
        sched.step()
        found.extend((s, g) for s, g, _ in rollout.episodes)
    wall = time.perf_counter() - start
    source.env.close()
    return wall, found, initial


def summary(episodes: list, last: int) -> dict:
    returns = np.array([g for _, g in episodes]) if episodes else np.array([np.nan])
    return {"episodes": len(episodes), "last_mean": float(returns[-last:].mean()),
            "last_std": float(returns[-last:].std())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=None,
                    help="PPO iterations (default the recipe's 976 = 500,000 env steps)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch's threads; NumPy's BLAS (wonderland's) takes OMP_NUM_THREADS")
    ap.add_argument("--fresh-init", action="store_true",
                    help="the twin draws its own initial weights (default: wonderland's)")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    recipe = get("cartpole_ppo")
    cfg = recipe.configure({"seed": args.seed})
    iterations = args.steps or cfg["steps"]
    ours_wall, ours, initial = train_wonderland(recipe, cfg, iterations)
    theirs_wall, theirs = train_torch(cfg, iterations, None if args.fresh_init else initial)
    last = cfg["last_episodes"]
    env_steps = iterations * cfg["num_envs"] * cfg["num_steps"]
    figures = {"steps": iterations, "env_steps": env_steps, "seed": args.seed,
               "threads": args.threads, "same_init": not args.fresh_init,
               "date": time.strftime("%Y-%m-%d"), "torch_version": torch.__version__,
               "wonderland": {**summary(ours, last), "wall_s": ours_wall},
               "torch": {**summary(theirs, last), "wall_s": theirs_wall},
               "ratio": ours_wall / theirs_wall}
    print(f"cartpole_ppo: {iterations} iterations ({env_steps} env steps), seed {args.seed}, "
          f"{args.threads} threads, {'same' if not args.fresh_init else 'own'} initial weights")
    print(f"{'':12s} {'episodes':>9s} {f'mean return (last {last})':>24s} {'train s':>8s}")
    for who in ("wonderland", "torch"):
        f = figures[who]
        print(f"{who:12s} {f['episodes']:9d} {f['last_mean']:17.2f} +- {f['last_std']:5.1f} "
              f"{f['wall_s']:8.1f}")
    print(f"ratio wonderland / torch: training time {figures['ratio']:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
