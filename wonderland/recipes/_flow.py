"""What the 2-D RealNVP recipes share: standardised train and test points, the NLL loss, the
model, optimizer and schedule from the config, and an assessment that draws the learned
density."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..core.grad_mode import no_grad
from ..core.random import Generator
from ..core.tensor import Tensor
from ..data.datasets._arrays import ArrayDataset
from ..models import RealNVP
from ..optim import Adam
from ..optim.lr_scheduler import CosineAnnealingLR
from ..train.recipe import Recipe
from ..viz import density_plot

# moons_realnvp's settings (its description gives their source), shared by the other 2-D flows
FLOW_CONFIG = {"steps": 16_000, "batch_size": 256, "lr": 1e-3, "min_lr": 1e-5,
               "clip_grad_norm": 5.0, "points": 4000, "test_points": 1000, "couplings": 8,
               "hidden": 64, "batch_norm": True, "seed": 0, "eval_every": 1000,
               "checkpoint_every": 4000, "log_every": 500, "eval_batch_size": 1000}


def standardised_splits(make: Callable, cfg: dict) -> tuple:
    """(train, None, test): make(n, seed) gives cfg['points'] points from the seed and
    cfg['test_points'] fresh ones, both standardised with the training points' mean and
    deviation; the targets are the dataset's own (unused)."""
    train = make(cfg["points"], cfg["seed"])
    test = make(cfg["test_points"], cfg["seed"] + 10_000)
    mean, std = train.data.mean(0), train.data.std(0)
    return (ArrayDataset(((train.data - mean) / std).astype(np.float32), train.targets), None,
            ArrayDataset(((test.data - mean) / std).astype(np.float32), test.targets))


def nll(log_prob, target):
    """The mean negative log-likelihood in nats (the model returns each point's log density)."""
    return -log_prob.mean()


def assess_density(model, cfg: dict, datasets, out_dir: Path) -> dict[str, float]:
    """The test NLL in nats (standardised coordinates, as the test loss) and density.png:
    `samples` draws over the learned density on the test points' range."""
    test = datasets[2].data
    with no_grad():
        figures = {"nll": float(nll(model(Tensor(test)), None).item())}
        samples = model.sample(cfg["samples"], generator=Generator(cfg["seed"])).numpy()
    low, high = test.min(0) - 0.5, test.max(0) + 0.5
    density_plot(samples, model.log_prob, Path(out_dir) / "density.png",
                 extent=(low[0], high[0], low[1], high[1]),
                 title="RealNVP: samples over the learned density")
    return figures


def flow_recipe(name: str, description: str, config: dict, data: Callable,
                published: dict | None = None, assess: Callable | None = None) -> Recipe:
    """A RealNVP recipe: the model, Adam and its cosine schedule from the config keys of
    FLOW_CONFIG, trained on -log-likelihood."""
    return Recipe(
        name=name,
        description=description,
        config=config,
        data=data,
        model=lambda cfg: RealNVP(2, cfg["couplings"], cfg["hidden"],
                                  batch_norm=cfg["batch_norm"]),
        optimizer=lambda cfg, params: Adam(params, lr=cfg["lr"]),
        scheduler=lambda cfg, opt: CosineAnnealingLR(opt, T_max=cfg["steps"],
                                                     eta_min=cfg["min_lr"]),
        loss=nll,
        metrics={},
        published=published,
        assess=assess,
    )
