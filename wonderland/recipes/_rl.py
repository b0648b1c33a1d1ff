"""What the CartPole recipes share: the rollout source as the train split (one Trainer step is one
iteration: a rollout, then the algorithm's update), the actor-critic MLP, Adam with CleanRL's
eps and the learning rate annealed linearly to 0 (the recipe's scheduler), the episodes logged to
metrics.jsonl as they end, and the assessment: the mean return of the last training episodes (the
figure CleanRL reports) beside a fresh evaluation over eval_episodes, and learning_curve.png."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..optim import Adam
from ..optim.lr_scheduler import LambdaLR
from ..rl import ActorCritic, RolloutSource, env_spaces, policy_gradient_update, ppo_update
from ..train.recipe import Recipe
from ..train.run_dir import RunDir, read_metrics

# CleanRL's ppo.py (docs.cleanrl.dev, CartPole-v1): 500,000 steps in 4 environments x 128 steps
# = 976 iterations of 512 transitions, 4 epochs x 4 minibatches, Adam 2.5e-4 (eps 1e-5) annealed
# to 0, gamma 0.99, GAE lambda 0.95, clip 0.2 (policy and value), entropy 0.01, value 0.5,
# gradient norm 0.5, normalised advantages. `batch_size` is not read: a rollout is the batch.
CARTPOLE = {
    "env_id": "CartPole-v1", "algorithm": "ppo", "steps": 500_000 // (4 * 128), "num_envs": 4,
    "num_steps": 128, "lr": 2.5e-4, "adam_eps": 1e-5, "anneal_lr": True, "gamma": 0.99,
    "gae_lambda": 0.95, "epochs": 4, "minibatches": 4, "clip_coef": 0.2, "clip_vloss": True,
    "norm_adv": True, "ent_coef": 0.01, "vf_coef": 0.5, "max_grad_norm": 0.5, "hidden": 64,
    "eval_episodes": 20, "eval_greedy": False, "last_episodes": 100, "seed": 0,
    "checkpoint_every": 100, "log_every": 10, "eval_every": 100,
}


def data(cfg: dict) -> tuple:
    """(the rollout source, None, None): an RL run has no fixed data."""
    return (RolloutSource(cfg["env_id"], cfg["num_envs"], cfg["num_steps"], cfg["seed"],
                          cfg["gamma"], cfg["gae_lambda"], cfg["eval_greedy"]), None, None)


def model(cfg: dict) -> ActorCritic:
    return ActorCritic(*env_spaces(cfg["env_id"]), hidden=cfg["hidden"])


def optimizer(cfg: dict, params) -> Adam:
    return Adam(params, lr=cfg["lr"], eps=cfg["adam_eps"])


def scheduler(cfg: dict, opt) -> LambdaLR:
    """lr x (1 - step / steps): CleanRL's annealing, one step per iteration (constant when
    anneal_lr is off)."""
    steps, anneal = cfg["steps"], cfg["anneal_lr"]
    return LambdaLR(opt, lambda s: max(1.0 - s / steps, 0.0) if anneal else 1.0)


def update(policy, opt, rollout, cfg: dict) -> dict[str, float]:
    """The configured algorithm's update on one rollout."""
    losses = {"vf_coef": cfg["vf_coef"], "ent_coef": cfg["ent_coef"], "norm_adv": cfg["norm_adv"]}
    if cfg["algorithm"] == "ppo":
        return ppo_update(policy, opt, rollout, cfg["epochs"], cfg["minibatches"],
                          cfg["max_grad_norm"], clip_coef=cfg["clip_coef"],
                          clip_vloss=cfg["clip_vloss"], **losses)
    if cfg["algorithm"] == "pg":
        return policy_gradient_update(policy, opt, rollout, cfg["max_grad_norm"], **losses)
    raise ValueError(f"rl recipe: algorithm must be 'ppo' or 'pg', got {cfg['algorithm']!r}")


def train_step(trainer, x, y) -> float:
    """Collect the rollout with the current policy, update, and log the episodes that ended
    (their returns and the global environment steps they ended at) to metrics.jsonl."""
    rollout = x.collect(trainer.model)
    figures = update(trainer.model, trainer.optimizer, rollout, trainer.config)
    if trainer.run is not None and rollout.episodes:
        at, returns, lengths = (list(v) for v in zip(*rollout.episodes))
        trainer.run.log({"step": trainer.step + 1, "split": "episodes",
                         "return": float(np.mean(returns)), "env_steps": at, "returns": returns,
                         "lengths": lengths, "entropy": figures["entropy"], "time": time.time()})
    return figures["loss"]


def episodes(run_dir) -> tuple[np.ndarray, np.ndarray]:
    """(global environment steps, returns) of every training episode a run logged."""
    records = [r for r in read_metrics(RunDir(run_dir).metrics) if r.get("split") == "episodes"]
    at = np.array([s for r in records for s in r["env_steps"]], np.int64)
    returns = np.array([g for r in records for g in r["returns"]], np.float64)
    return at, returns


def draw_learning_curve(at: np.ndarray, returns: np.ndarray, out, title: str,
                        window: int = 100) -> Path:
    """Every training episode's return against the environment step it ended at, with the
    running mean of the last `window`."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(at, returns, ".", markersize=2, alpha=0.3, color="C0", label="episode")
    if len(returns):
        running = [returns[max(0, i + 1 - window):i + 1].mean() for i in range(len(returns))]
        ax.plot(at, running, color="C1", label=f"mean of last {window}")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("episodic return")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def assess(policy, cfg: dict, datasets, out_dir) -> dict[str, float]:
    """train_return: the mean return of the last `last_episodes` training episodes (CleanRL's
    figure); return / return_std: eval_episodes fresh episodes of the final policy (sampled
    actions, or greedy with eval_greedy); learning_curve.png in the run directory."""
    at, returns = episodes(out_dir)
    last = returns[-cfg["last_episodes"]:]
    figures = datasets[0].evaluate(policy, cfg["eval_episodes"])
    draw_learning_curve(at, returns, Path(out_dir) / "learning_curve.png",
                        f"{cfg['algorithm']} on {cfg['env_id']}, seed {cfg['seed']}",
                        cfg["last_episodes"])
    return {"return": figures["return"], "return_std": figures["return_std"],
            "train_return": float(last.mean()) if len(last) else float("nan"),
            "train_return_std": float(last.std()) if len(last) else float("nan")}


def rl_recipe(name: str, description: str, published: dict | None = None,
              **config) -> Recipe:
    """A CartPole recipe: CARTPOLE's settings with `config` over them."""
    unknown = set(config) - set(CARTPOLE)
    if unknown:
        raise KeyError(f"rl_recipe {name}: unknown settings {sorted(unknown)}")
    return Recipe(name=name, description=description, config={**CARTPOLE, **config}, data=data,
                  model=model, optimizer=optimizer, scheduler=scheduler, metrics={},
                  published=published, train_step=train_step, assess=assess)
