"""Recipes: a named model + data + optimizer configuration that `wonderland train <name>` runs.
A recipe holds defaults in `config`; the command line overrides them key by key."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..functional import cross_entropy
from .metrics import accuracy

# The keys the Trainer itself reads; a recipe may add its own (lr, hidden, data_root, ...).
TRAINER_DEFAULTS: dict[str, Any] = {
    "steps": 1000, "batch_size": 64, "shuffle": True, "seed": 0, "eval_every": 250,
    "checkpoint_every": 500, "log_every": 50, "clip_grad_norm": None, "num_workers": 0,
    "patience": None, "eval_batch_size": 1000,
}


@dataclass
class Recipe:
    """What to train and how. data(cfg) returns (train, val or None, test or None) datasets of
    (x, y) pairs; model(cfg) a Module; optimizer(cfg, params) an Optimizer; scheduler(cfg, opt)
    an optional LR scheduler stepped once per training step. `published` holds the figure the
    recipe reproduces ({'test_accuracy': 0.94, 'source': ...}); `search_space(trial)` returns
    config overrides for `wonderland tune`.

    Two hooks serve models that a loss on (x, y) batches does not describe alone:
    `train_step(trainer, x, y) -> float` replaces the default step (zero_grad, backward, clip,
    optimizer.step) with the recipe's own, such as a GAN's critic and generator steps, and
    returns the loss to log; the trainer still counts the step and steps the scheduler.
    `assess(model, cfg, (train, val, test), out_dir) -> dict` scores the finished model in ways
    a batch loss cannot (samples against fresh data, likelihood bounds) and draws its pictures
    into the run directory; its figures join results.json's test metrics."""

    name: str
    description: str
    config: dict
    data: Callable
    model: Callable
    optimizer: Callable
    loss: Callable = cross_entropy
    scheduler: Callable | None = None
    metrics: dict[str, Callable] | None = field(default_factory=lambda: {"accuracy": accuracy})
    published: dict | None = None
    search_space: Callable | None = None
    train_step: Callable | None = None
    assess: Callable | None = None
    source: str | None = None  # how recipes.get found it: its name, or the file's absolute path

    @property
    def ref(self) -> str:
        """What to pass to recipes.get to find this recipe again (stored in config.json)."""
        return self.source or self.name

    def defaults(self) -> dict:
        """The full configuration: the trainer's defaults overridden by the recipe's."""
        return {**TRAINER_DEFAULTS, **self.config}

    def configure(self, overrides: dict | None = None) -> dict:
        """defaults() with `overrides` applied; unknown keys are an error naming the known ones."""
        cfg = self.defaults()
        for key, value in (overrides or {}).items():
            if key not in cfg:
                raise KeyError(f"recipe '{self.name}' has no setting '{key}'; "
                               f"known: {', '.join(sorted(cfg))}")
            cfg[key] = value
        return cfg
