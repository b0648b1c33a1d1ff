"""Running a recipe: build its data, model and optimizer from a configuration, train with the
Trainer in a run directory, evaluate on the test split, and write results.json. The command line
(`wonderland train`, `eval`, `tune`) and the reproduction script all come through here."""
from __future__ import annotations

import json
import os
import random
import time

import numpy as np

from ..core import random as wl_random
from ..core.random import Generator
from ..data import DataLoader, random_split
from ..serialization import load
from .recipe import Recipe
from .run_dir import RunDir
from .trainer import Trainer, evaluate


def seed_everything(seed: int) -> None:
    """Seed wonderland's default generator, NumPy's global one and Python's."""
    wl_random.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)


def build(recipe: Recipe, cfg: dict):
    """(model, datasets) for a configuration: the model is initialised from cfg['seed']."""
    seed_everything(cfg["seed"])
    datasets = recipe.data(cfg)
    if not (isinstance(datasets, tuple) and len(datasets) == 3):
        raise TypeError(f"recipe '{recipe.name}': data(cfg) must return (train, val, test) "
                        f"with None for a missing split, got {type(datasets).__name__}")
    seed_everything(cfg["seed"])
    return recipe.model(cfg), datasets


def _loader(dataset, cfg: dict, train: bool) -> DataLoader | None:
    if dataset is None:
        return None
    if train:
        # shuffle=False walks the data in its stored order, pass after pass (as some
        # benchmarks do, MNIST-1D's among them)
        return DataLoader(dataset, batch_size=cfg["batch_size"], shuffle=cfg["shuffle"],
                          generator=Generator(cfg["seed"]), num_workers=cfg["num_workers"])
    return DataLoader(dataset, batch_size=cfg["eval_batch_size"])


def trainer_for(recipe: Recipe, cfg: dict, run_dir: str | os.PathLike | None,
                progress: bool = True, use_test: bool = True, **hooks) -> tuple[Trainer, dict]:
    """A Trainer for the recipe under `cfg`, and the test loader (or None). Without a validation
    split, and when `use_test`, the test split is evaluated during training (as benchmarks that
    have no validation split do) and logged as 'test'; early stopping then is refused. With
    use_test=False (tuning) such a recipe validates on a seeded tenth held out of train."""
    model, (train, val, test) = build(recipe, cfg)
    if val is None and not use_test:  # tuning: hold out a tenth of train, never look at test
        n_val = max(1, len(train) // 10)
        train, val = random_split(train, [len(train) - n_val, n_val],
                                  generator=Generator(cfg["seed"]))
    optimizer = recipe.optimizer(cfg, model.parameters())
    scheduler = recipe.scheduler(cfg, optimizer) if recipe.scheduler is not None else None
    watch, split = (val, "val") if val is not None else (test if use_test else None, "test")
    if cfg["patience"] is not None and val is None:
        raise ValueError(f"recipe '{recipe.name}' has no validation split: early stopping "
                         f"(patience) would select on the test set")
    trainer = Trainer(model, optimizer, _loader(train, cfg, True), steps=cfg["steps"],
                      loss_fn=recipe.loss, val_loader=_loader(watch, cfg, False),
                      scheduler=scheduler, metrics=recipe.metrics, eval_every=cfg["eval_every"],
                      checkpoint_every=cfg["checkpoint_every"] if run_dir else None,
                      log_every=cfg["log_every"], clip_grad_norm=cfg["clip_grad_norm"],
                      patience=cfg["patience"], val_split=split, run_dir=run_dir,
                      config={"recipe": recipe.ref, **cfg}, progress=progress, **hooks)
    return trainer, {"test": _loader(test, cfg, False)}


def _check_resumable(run: RunDir, recipe: Recipe, cfg: dict) -> None:
    """A run directory may be resumed only by the same recipe and settings (steps may grow)."""
    if not run.checkpoint.exists() or not run.config.exists():
        return
    saved = json.loads(run.config.read_text())
    wanted = json.loads(json.dumps({"recipe": recipe.ref, **cfg}, default=str))
    differ = sorted(k for k in set(saved) | set(wanted)
                    if k != "steps" and saved.get(k) != wanted.get(k))
    if differ:
        raise ValueError(f"{run.path} holds a run with other settings ({', '.join(differ)}): "
                         f"give another --run-dir, or --fresh to start it over")


def train_recipe(recipe: Recipe, overrides: dict | None = None,
                 run_dir: str | os.PathLike = "runs/run", resume: bool = True,
                 progress: bool = True) -> dict:
    """Train `recipe` with `overrides` in `run_dir` (resuming an interrupted run there), then
    evaluate on the test split; returns and writes results.json."""
    cfg = recipe.configure(overrides)
    run = RunDir(run_dir)
    if resume:
        _check_resumable(run, recipe, cfg)
    trainer, loaders = trainer_for(recipe, cfg, run.path, progress)
    start = time.perf_counter()
    trainer.fit(resume=resume)
    first_step = trainer.resumed_from
    wall = time.perf_counter() - start
    results = {"recipe": recipe.name, "steps": trainer.step, "stopped_early": trainer.stopped_early,
               "wall_time_s": wall, "resumed_from_step": first_step or None,
               "published": recipe.published}
    if loaders["test"] is not None:
        results["test"] = trainer.evaluate(loaders["test"])
    old = json.loads(run.results.read_text()) if resume and run.results.exists() else {}
    if first_step and "wall_time_s" in old:  # a resumed run: count the time before the kill too
        results["wall_time_s"] += old["wall_time_s"]
    run.write_json(run.results, results)
    return results


def load_run(run_dir: str | os.PathLike, weights: str = "model") -> tuple[Recipe, dict, object]:
    """(recipe, config, model with the run's final or best weights) of a finished run."""
    from ..recipes import get

    run = RunDir(run_dir)
    if not run.config.exists():
        raise FileNotFoundError(f"{run.path} is not a run directory (no config.json)")
    cfg = json.loads(run.config.read_text())
    recipe = get(cfg.pop("recipe"))
    path = {"model": run.model, "best": run.best_model}[weights]
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: has the run finished?")
    model, _ = build(recipe, cfg)
    model.load_state_dict(load(path))
    return recipe, cfg, model


def evaluate_run(run_dir: str | os.PathLike, split: str = "test",
                 weights: str = "model") -> dict[str, float]:
    """The loss and metrics of a finished run's final (or best) weights on one split."""
    recipe, cfg, model = load_run(run_dir, weights)
    _, val, test = recipe.data(cfg)
    dataset = {"val": val, "test": test}[split]
    if dataset is None:
        raise ValueError(f"recipe '{recipe.name}' has no {split} split")
    return evaluate(model, _loader(dataset, cfg, train=False), recipe.loss, recipe.metrics)


def results_line(results: dict) -> str:
    """One line for the console: the test metrics next to the published figure."""
    parts = [f"test {k} {v:.4f}" for k, v in (results.get("test") or {}).items()]
    pub = results.get("published") or {}
    for k, v in pub.items():
        if isinstance(v, (int, float)):
            parts.append(f"published {k.replace('test_', '')} {v:.2f}"
                         + (f" ({pub['source']})" if pub.get("source") else ""))
    return ", ".join(parts) + f"; {results['steps']} steps in {results['wall_time_s']:.0f} s"


__all__ = ["build", "evaluate_run", "load_run", "results_line", "seed_everything",
           "train_recipe", "trainer_for"]
