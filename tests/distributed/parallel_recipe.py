"""A recipe file for `wonderland train --nproc N` tests: a float64 MLP on fixed blobs, without
dropout or noise (nothing random per example), with momentum SGD, a scheduler and a validation
split, so that N ranks must end with one process's weights to rounding. 37 training examples
in batches of 10 give a short last batch (7), whose shares differ in size over 2 or 3 ranks."""
import numpy as np

import wonderland as wl
from wonderland import nn
from wonderland.data import TensorDataset
from wonderland.train import Recipe


def _blobs(n: int, seed: int) -> TensorDataset:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.normal(size=(n, 4)) + 1.5 * y[:, None]
    return TensorDataset(wl.tensor(x), wl.tensor(y))


recipe = Recipe(
    name="parallel_blobs", description="a float64 MLP on Gaussian blobs (data-parallel tests)",
    config={"steps": 12, "batch_size": 10, "lr": 0.1, "eval_every": 4, "eval_batch_size": 8,
            "checkpoint_every": 1000, "log_every": 3},
    data=lambda cfg: (_blobs(37, 0), _blobs(11, 1), _blobs(13, 2)),
    model=lambda cfg: nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3)).double(),
    optimizer=lambda cfg, params: wl.optim.SGD(params, lr=cfg["lr"], momentum=0.9),
    scheduler=lambda cfg, opt: wl.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5),
)
