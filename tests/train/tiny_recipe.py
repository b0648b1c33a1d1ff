"""A recipe file small enough for the run tests (`wonderland train tests/train/tiny_recipe.py`):
a small MLP with dropout on three Gaussian blobs, with random noise added as samples load (so
the loader's random state matters), Adam and a step scheduler. val_size > 0 holds that many
training examples out for validation; 0 leaves no validation split (the test split is then
evaluated during training, as MNIST-1D's benchmark does).

With WL_TEST_PAUSE=STEP:READY:GO in the environment, training step STEP writes the file READY
and waits (up to a minute) for the file GO, so a test can interrupt the run at that step."""
import os
import time
from pathlib import Path

import numpy as np

import wonderland as wl
from wonderland import nn
from wonderland.data import random_split
from wonderland.functional import cross_entropy
from wonderland.train import Recipe


class Blobs:
    """Three classes of 4-D points; each sample gets fresh noise (wl.randn) when loaded."""

    def __init__(self, n: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.y = rng.integers(0, 3, n).astype(np.int64)
        self.x = (rng.normal(size=(n, 4)) + 2.0 * self.y[:, None]).astype(np.float32)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i):
        noise = np.asarray(wl.randn(4)) * 0.05
        return (self.x[i] + noise).astype(np.float32), self.y[i]


def _data(cfg):
    train, test = Blobs(80, 0), Blobs(30, 1)
    if not cfg["val_size"]:
        return train, None, test
    rest, val = random_split(train, [len(train) - cfg["val_size"], cfg["val_size"]],
                             generator=wl.Generator(cfg["seed"]))
    return rest, val, test


_calls = {"train": 0}


def _loss(out, y):
    if wl.is_grad_enabled():  # a training step, not an evaluation
        _calls["train"] += 1
        pause = os.environ.get("WL_TEST_PAUSE")
        if pause:
            step, ready, go = pause.split(":", 2)
            if _calls["train"] == int(step):
                Path(ready).touch()
                deadline = time.monotonic() + 60
                while not Path(go).exists() and time.monotonic() < deadline:
                    time.sleep(0.01)
    return cross_entropy(out, y)


def _optimizer(cfg, params):
    return wl.optim.Adam(params, lr=cfg["lr"])


recipe = Recipe(
    name="tiny_blobs", description="a small MLP on Gaussian blobs (for tests)",
    config={"steps": 24, "batch_size": 8, "lr": 0.02, "val_size": 0, "eval_every": 5,
            "checkpoint_every": 1000, "log_every": 2},
    data=_data,
    model=lambda cfg: nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.2),
                                    nn.Linear(16, 3)),
    optimizer=_optimizer,
    loss=_loss,
    scheduler=lambda cfg, opt: wl.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.8),
)
