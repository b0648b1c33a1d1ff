"""The reinforcement-learning part of docs/results.md, for examples/reproduce.py: PPO against
REINFORCE with a baseline and the one-step actor-critic on CartPole-v1 (the mean return of the
last 100 training episodes, CleanRL's kind of figure, and a fresh evaluation of the final
policy), the learning curves of every seed's run drawn on one picture, copied beside the page
(docs/pictures/<recipe>/), and PPO beside its CleanRL-style PyTorch twin
(benchmarks/ppo_twin.py)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from language_models import run_twin

ALGORITHMS = {"cartpole_ppo": "PPO (clipped surrogate, 4 epochs x 4 minibatches)",
              "cartpole_reinforce": "REINFORCE with a value baseline (Monte-Carlo advantages)",
              "cartpole_actor_critic": "one-step actor-critic (TD(0) advantages)"}


def is_rl(recipe) -> bool:
    """A recipe trained on environments (its configuration names a Gymnasium env_id)."""
    return "env_id" in recipe.config


def extras(name: str, run_dirs: list[Path], pictures_dir: Path, page_dir: Path) -> dict:
    """Draw every seed's training episodes (the running mean of 100) on one learning curve in
    pictures_dir/name/learning_curve.png; its path relative to the page, and the environment
    steps of a run."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from wonderland.recipes._rl import episodes

    target = pictures_dir / name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for seed, run_dir in enumerate(run_dirs):
        at, returns = episodes(run_dir)
        running = [returns[max(0, i - 99):i + 1].mean() for i in range(len(returns))]
        ax.plot(at, running, label=f"seed {seed}", linewidth=1.2)
    ax.set_xlabel("environment steps")
    ax.set_ylabel("episodic return (mean of last 100)")
    ax.set_title(f"{name}: training episodes")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(target / "learning_curve.png", dpi=110)
    plt.close(fig)
    cfg = json.loads((Path(run_dirs[0]) / "config.json").read_text())
    return {"pictures": [(target / "learning_curve.png").relative_to(page_dir).as_posix()],
            "env_steps": cfg["steps"] * cfg["num_envs"] * cfg["num_steps"]}


def twin(root: Path, steps: int | None = None) -> dict | None:
    """benchmarks/ppo_twin.py's figures at one thread (the reproduction's), or None without
    torch."""
    return run_twin(root, "ppo_twin.py", "--threads", "1",
                    *(["--steps", str(steps)] if steps else []))


def _mean_std(values: list[float]) -> str:
    v = np.array(values, dtype=float)
    return f"{v.mean():.1f} ± {v.std():.1f}" if len(v) > 1 else f"{v.mean():.1f}"


def _contrast(rows: list[dict]) -> str:
    lines = ["| recipe | algorithm | train return (last 100 episodes) | per seed | evaluation "
             "return | env steps | wall time per run |", "|---" * 7 + "|"]
    for r in rows:
        tests = r.get("tests") or []
        train = [t["train_return"] for t in tests]
        evals = [t["return"] for t in tests]
        lines.append(f"| `{r['recipe']}` | {ALGORITHMS.get(r['recipe'], r['model'])} | "
                     f"{_mean_std(train)} | {', '.join(f'{v:.1f}' for v in train)} | "
                     f"{_mean_std(evals)} | {r.get('env_steps', '')} | "
                     f"{np.mean(r['walls']):.0f} s |")
    return "\n".join(lines)


def _twin(t: dict) -> str:
    ours, theirs = t["wonderland"], t["torch"]
    return "\n".join([
        "\n### PPO in PyTorch\n",
        f"`benchmarks/ppo_twin.py` trains `cartpole_ppo`'s configuration in wonderland (the "
        f"recipe's rollout source and update, without the Trainer's run directory) and in a "
        f"CleanRL-style PyTorch script on the same environments, from the same initial "
        f"weights, one after the other in one process ({t['threads']} thread, seed "
        f"{t['seed']}, {t['env_steps']} environment steps, torch {t['torch_version']}); each "
        f"draws its own actions, so the returns are two samples of the same algorithm.\n",
        "| | episodes | return (last 100 episodes) | training time |", "|---|---|---|---|",
        f"| wonderland | {ours['episodes']} | {ours['last_mean']:.1f} ± {ours['last_std']:.1f} "
        f"| {ours['wall_s']:.0f} s |",
        f"| PyTorch | {theirs['episodes']} | {theirs['last_mean']:.1f} ± "
        f"{theirs['last_std']:.1f} | {theirs['wall_s']:.0f} s |",
        f"\nwonderland takes {t['ratio']:.2f} times PyTorch's time ({t['date']}; where the "
        f"time goes: docs/rl.md). The recipes' wall times above were taken with two or three "
        f"other jobs on the machine's two cores and vary with its load.\n"])


def section(rows: list[dict], twin_figures: dict | None = None) -> str:
    """The page's RL section ('' when no RL recipe was reproduced): the contrast table, the
    learning curves and the PyTorch twin."""
    rl = [r for r in rows if r.get("rl")]
    if not rl:
        return ""
    parts = ["\n## Reinforcement learning\n",
             "CartPole-v1 for 500,000 environment steps in 4 vectorised environments, the same "
             "64-64 tanh actor-critic for each algorithm (docs/rl.md). The train return is the "
             "mean return of the last 100 episodes of training, the figure CleanRL reports "
             "(492.40 ± 13.05 for its ppo.py); the evaluation return is the final policy's over "
             "20 fresh episodes, actions sampled from it. A CartPole episode ends at 500.\n",
             _contrast(rl) + "\n"]
    for r in rl:
        parts.extend(f"![{r['recipe']}]({p})\n" for p in r.get("pictures", []))
    if twin_figures:
        parts.append(_twin(twin_figures))
    return "\n".join(parts)
