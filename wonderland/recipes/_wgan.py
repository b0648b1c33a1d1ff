"""What the WGAN-GP toy recipes share (Gulrajani et al. 2017, gan_toy.py of
github.com/igul222/improved_wgan_training): the script's networks and settings, a critic-then-
generator training step, and the assessment of 10,000 samples against fresh data."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.grad_mode import no_grad
from ..core.random import Generator
from ..core.tensor import Tensor
from ..data.datasets import EightGaussians, SwissRoll2D, TwentyFiveGaussians, toy_points
from ..functional import mmd, sliced_wasserstein
from ..models import WGANGP
from ..optim import Adam
from ..train.recipe import Recipe
from ..viz import density_plot

TOYS = {"8gaussians": EightGaussians, "25gaussians": TwentyFiveGaussians,
        "swissroll": SwissRoll2D}

# The script's settings: 5 critic steps of 256 real points per generator step, so a loader batch
# holds 5 x 256 points, split in 5 (each critic step sees fresh data, as the script's does);
# Adam 1e-4 with betas (0.5, 0.9); penalty weight 0.1 (the script: smaller helps on toys).
# Its 100,000 generator steps become 3,000 here: a generator step (with its 5 critic steps)
# takes about 0.25 s on one CPU core, so about 12 minutes a toy, and by then the eight
# Gaussians' samples sit on every mode (MMD 0.028 against a data floor of 0.003; 30 minutes on
# a machine shared with other jobs). It draws fresh points every step, we hold `points` of them
# (the script's 25 Gaussians holds 100,000).
TOY_CONFIG = {
    "steps": 3000, "batch_size": 5 * 256, "critic_iters": 5, "lr": 1e-4, "betas": (0.5, 0.9),
    "penalty": 0.1, "noise_dim": 2, "hidden": 512, "layers": 3, "points": 128_000,
    "test_points": 10_000, "assess_points": 10_000, "mmd_block": 2000,
    "mmd_sigmas": (0.05, 0.2, 1.0), "projections": 256, "plot_range": 2.2, "seed": 0,
    "eval_every": 500, "checkpoint_every": 500, "log_every": 50,
}


def _splits(toy: str, cfg: dict) -> tuple:
    """(train, None, test): `points` from the seed and `test_points` fresh ones."""
    return (TOYS[toy](cfg["points"], seed=cfg["seed"]), None,
            TOYS[toy](cfg["test_points"], seed=cfg["seed"] + 10_000))


def critic_gap(out, target):
    """The critic's loss without its penalty, mean critic(G(z)) - mean critic(x): minus the
    critic's estimate of the Wasserstein-1 distance (the model gives critic(x) - critic(G(z)))."""
    return -out.mean()


def train_step(trainer, x, y) -> float:
    """The loader's batch split into critic_iters real batches, one critic step each, then one
    generator step; returns the last critic loss (penalty included)."""
    k = trainer.config["critic_iters"]
    size = x.shape[0] // k
    if size == 0:
        raise ValueError(f"wgan: a batch of {x.shape[0]} cannot feed {k} critic steps; make "
                         f"batch_size a multiple of critic_iters")
    return trainer.model.update(trainer.optimizer, [x[i * size:(i + 1) * size] for i in range(k)])


def _blocked_mmd(x: np.ndarray, y: np.ndarray, block: int, sigmas) -> float:
    """The mean of the biased MMD^2 over aligned blocks of `block` points: a full 10,000 x 10,000
    kernel matrix would take 400 MB per bandwidth; every block has the same (small) bias, which
    the data-against-data floor shows."""
    block = min(block, len(x), len(y))
    pairs = range(min(len(x), len(y)) // block)
    return float(np.mean([mmd(Tensor(x[i * block:(i + 1) * block]),
                              Tensor(y[i * block:(i + 1) * block]), sigma=sigmas).item()
                          for i in pairs]))


def assess_toy(toy: str):
    """assess(model, cfg, datasets, out_dir): `assess_points` samples against as many fresh
    points, by blocked MMD (bandwidths mmd_sigmas) and sliced Wasserstein-1 (`projections`
    directions), beside the same figures for a second fresh sample (the floor a perfect
    generator reaches); samples and data drawn over the critic's map in samples_critic.png."""
    def assess(model, cfg: dict, datasets, out_dir: Path) -> dict[str, float]:
        n, seed = cfg["assess_points"], cfg["seed"]
        data = toy_points(toy, n, seed + 20_000)
        other = toy_points(toy, n, seed + 30_000)
        with no_grad():
            samples = model.generator.sample(n, generator=Generator(seed + 40_000)).numpy()
        figures = {}
        for label, x in (("", samples), ("_floor", other)):
            figures[f"mmd{label}"] = _blocked_mmd(x, data, cfg["mmd_block"], cfg["mmd_sigmas"])
            figures[f"sliced_w1{label}"] = float(sliced_wasserstein(
                Tensor(x), Tensor(data), cfg["projections"], generator=Generator(seed)).item())
        r, shown = cfg["plot_range"], min(n, 2000)
        density_plot(samples[:shown], model.critic, Path(out_dir) / "samples_critic.png",
                     extent=(-r, r, -r, r), points=128, style="critic", reference=data[:shown],
                     title=f"WGAN-GP on {toy}: samples (white), data (orange), critic")
        return figures
    return assess


def toy_recipe(name: str, toy: str, description: str) -> Recipe:
    """A WGAN-GP recipe for one of TOYS with the script's settings (TOY_CONFIG)."""
    return Recipe(
        name=name,
        description=description,
        config=dict(TOY_CONFIG),
        data=lambda cfg: _splits(toy, cfg),
        model=lambda cfg: WGANGP(cfg["noise_dim"], 2, cfg["hidden"], cfg["layers"],
                                 cfg["penalty"]),
        # one Adam for both players: a step sets only one player's gradients and Adam leaves
        # parameters without one (and their state) alone, so the checkpoint holds all its state
        optimizer=lambda cfg, params: Adam(params, lr=cfg["lr"], betas=tuple(cfg["betas"])),
        loss=critic_gap,
        metrics={},
        train_step=train_step,
        assess=assess_toy(toy),
    )
