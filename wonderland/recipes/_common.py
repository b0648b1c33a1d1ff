"""What the MNIST-1D and Fashion-MNIST recipes share: their data splits, the benchmark's
training settings, Adam from the config, and the optimizer part of every search space."""
from __future__ import annotations

from typing import Any

from ..core.random import Generator
from ..data import Subset, random_split
from ..data.datasets import MNIST1D, FashionMNIST
from ..data.transforms import Compose, Normalize, ToTensor
from ..optim import Adam

# MNIST-1D's benchmark protocol (notebooks/train.py and mnist1d-classification.ipynb of
# github.com/greydanus/mnist1d): Adam, lr 1e-2, no weight decay, batches of 100 taken in the
# stored order (no shuffling: it is worth about a point to the CNN), 6000 steps,
# test accuracy on the whole test set every 250 steps. (Its seed, 42, seeds PyTorch's generator,
# not ours, so it carries nothing over: wonderland's default 0 it is.) There is no validation split;
# `val_size` holds out that many training examples (tuning needs them; the benchmark uses 0).
MNIST1D_CONFIG: dict[str, Any] = {
    "steps": 6000, "batch_size": 100, "shuffle": False, "lr": 1e-2, "weight_decay": 0.0,
    "seed": 0, "eval_every": 250, "checkpoint_every": 1000, "log_every": 250, "val_size": 0,
    "data_root": None,
}
MNIST1D_SOURCE = ("Greydanus & Kobak, Scaling down deep learning with MNIST-1D (arXiv 2011.14439, "
                  "ICML 2024), Table 1")

# Fashion-MNIST: Adam at its usual 1e-3, batches of 128, 10 epochs of the 55,000 training images
# left after holding out 5,000 for validation (ceil(55000 / 128) = 430 steps an epoch). At 5
# epochs both models stopped short of their benchmark figures (MLP 0.874, CNN 0.894).
FASHION_CONFIG: dict[str, Any] = {
    "steps": 10 * 430, "batch_size": 128, "lr": 1e-3, "weight_decay": 0.0, "seed": 0,
    "eval_every": 430, "checkpoint_every": 430, "log_every": 50, "val_size": 5000,
    "data_root": None,
}
FASHION_MEAN, FASHION_STD = 0.2860, 0.3530  # of the 60,000 training images, pixels in [0, 1]


def hold_out(train, cfg: dict) -> tuple:
    """(train, val or None): cfg['val_size'] examples split off at random, seeded by cfg['seed']
    so that every run with that seed validates on the same examples."""
    n_val = cfg["val_size"]
    if not n_val:
        return train, None
    if not 0 < n_val < len(train):
        raise ValueError(f"val_size must be in [0, {len(train)}), got {n_val}")
    rest, val = random_split(train, [len(train) - n_val, n_val], generator=Generator(cfg["seed"]))
    return rest, val


def mnist1d_splits(cfg: dict) -> tuple:
    """(train, val or None, test) of MNIST-1D's default 4,000 + 1,000 examples."""
    train = MNIST1D(train=True, root=cfg["data_root"])
    return (*hold_out(train, cfg), MNIST1D(train=False, root=cfg["data_root"]))


def fashion_splits(cfg: dict, augment: tuple = ()) -> tuple:
    """(train, val, test) of Fashion-MNIST as normalised float32 (1, 28, 28) images; `augment`,
    transforms of the [0, 1] image, apply to the training split only (the held-out images are
    seen plain). data_root None looks in the system folder, then the cache, then downloads."""
    plain = Compose([ToTensor(), Normalize(FASHION_MEAN, FASHION_STD)])

    def load(train: bool, transform) -> FashionMNIST:
        return FashionMNIST(cfg["data_root"], train=train, transform=transform)

    train = load(True, Compose([ToTensor(), *augment, Normalize(FASHION_MEAN, FASHION_STD)])
                 if augment else plain)
    rest, val = hold_out(train, cfg)
    if augment and val is not None:
        val = Subset(load(True, plain), val.indices)
    return rest, val, load(False, plain)


def adam(cfg: dict, params) -> Adam:
    """Adam with cfg's lr and (L2, as torch.optim.Adam's) weight_decay."""
    return Adam(params, lr=cfg["lr"], weight_decay=cfg["weight_decay"])


def optimizer_space(trial, lr: tuple[float, float]) -> dict:
    """lr log-uniform in `lr` and weight decay log-uniform in [1e-6, 1e-2]."""
    return {"lr": trial.suggest_float("lr", *lr, log=True),
            "weight_decay": trial.suggest_float("weight_decay", 1e-6, 1e-2, log=True)}


def mnist1d_space(trial) -> dict:
    """The optimizer space around the benchmark's lr, tuned on 500 held-out training
    examples (MNIST-1D has no validation split and tuning must not see the test set)."""
    return {**optimizer_space(trial, (1e-4, 1e-1)), "val_size": 500}
