"""A recipe small enough for the `wonderland tune --workers` tests: logistic regression on 40
seeded points, searching lr. Trials with lr above `fail_above` raise in training; those with lr
above `hang_above` sleep (up to a minute) before training, so that a test can interrupt them."""
import time

import numpy as np

import wonderland as wl
from wonderland.data import TensorDataset
from wonderland.train import Recipe


def _data(cfg):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 4)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.int64)
    train = TensorDataset(wl.tensor(x[:40]), wl.tensor(y[:40]))
    val = TensorDataset(wl.tensor(x[40:]), wl.tensor(y[40:]))
    return train, val, val


def _optimizer(cfg, params):
    if cfg["lr"] > cfg["fail_above"]:
        raise FloatingPointError(f"lr {cfg['lr']:.4g} diverges (on purpose)")
    if cfg["lr"] > cfg["hang_above"]:
        time.sleep(60)
    return wl.optim.SGD(params, lr=cfg["lr"])


recipe = Recipe(
    name="tune_workers_tiny", description="logistic regression on 4 features",
    config={"steps": 4, "lr": 0.1, "eval_every": 2, "log_every": 2, "batch_size": 10,
            "eval_batch_size": 20, "fail_above": 10.0, "hang_above": 10.0},
    data=_data, model=lambda cfg: wl.nn.Linear(4, 2), optimizer=_optimizer,
    search_space=lambda trial: {"lr": trial.suggest_float("lr", 1e-2, 1.0, log=True)},
)
