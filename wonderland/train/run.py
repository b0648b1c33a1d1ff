"""Running a recipe: build its data, model and optimizer from a configuration, train with the
Trainer in a run directory, evaluate on the test split, and write results.json; evaluate a
finished run. The command line (`wonderland train`, `eval`, `tune`) and the reproduction script
all come through here."""
from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from contextlib import nullcontext
from typing import TYPE_CHECKING

import numpy as np

from ..core import random as wl_random
from ..core.random import Generator
from ..data import DataLoader, Dataset, random_split
from ..serialization import load
from .recipe import Recipe
from .run_dir import RunDir, read_metrics
from .trainer import Trainer, evaluate

if TYPE_CHECKING:
    from .parallel import DataParallel


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
    if train and not isinstance(dataset, Dataset) and hasattr(dataset, "iter_from"):
        return dataset  # a source that batches itself and resumes (iter_from): rl's rollouts
    if train:
        # shuffle=False walks the data in its stored order, pass after pass (as some
        # benchmarks do, MNIST-1D's among them)
        return DataLoader(dataset, batch_size=cfg["batch_size"], shuffle=cfg["shuffle"],
                          generator=Generator(cfg["seed"]), num_workers=cfg["num_workers"])
    return DataLoader(dataset, batch_size=cfg["eval_batch_size"])


def trainer_for(recipe: Recipe, cfg: dict, run_dir: str | os.PathLike | None,
                progress: bool = True, use_test: bool = True, parallel: DataParallel | None = None,
                **hooks) -> tuple[Trainer, dict]:
    """A Trainer for the recipe under `cfg`, and {'test': the test loader or None, 'datasets':
    the recipe's (train, val, test)}. Without a validation split, and when `use_test`, the test
    split is evaluated during training (as benchmarks that have no validation split do) and
    logged as 'test', but it chooses nothing: no best.safetensors is kept and early stopping is
    refused. With use_test=False (tuning) such a
    recipe validates on a seeded tenth held out of train. With `parallel` this rank trains and
    evaluates on its share of every batch (see train.parallel). Nothing is written to disk here."""
    model, datasets = build(recipe, cfg)
    train, val, test = datasets
    if val is None and not use_test:  # tuning: hold out a tenth of train, never look at test
        if not hasattr(train, "__len__"):
            raise ValueError(f"recipe '{recipe.name}' trains on a stream (such as an RL "
                             f"policy's rollouts), not a dataset: there is no tenth of it to "
                             f"hold out for tuning")
        n_val = max(1, len(train) // 10)
        train, val = random_split(train, [len(train) - n_val, n_val],
                                  generator=Generator(cfg["seed"]))
    optimizer = recipe.optimizer(cfg, model.parameters())
    scheduler = recipe.scheduler(cfg, optimizer) if recipe.scheduler is not None else None
    watch, split = (val, "val") if val is not None else (test if use_test else None, "test")
    if cfg["patience"] is not None and val is None:
        raise ValueError(f"recipe '{recipe.name}' has no validation split: early stopping "
                         f"(patience) would select on the test set")
    loaders = [_loader(train, cfg, True), _loader(watch, cfg, False), _loader(test, cfg, False)]
    if parallel is not None:
        if not isinstance(loaders[0], DataLoader):
            raise ValueError(f"recipe '{recipe.name}' trains on a stream (such as an RL "
                             f"policy's rollouts), which data-parallel training cannot split")
        loaders = [loader if loader is None else parallel.shard(loader, train=i == 0)
                   for i, loader in enumerate(loaders)]
    trainer = Trainer(model, optimizer, loaders[0], steps=cfg["steps"],
                      loss_fn=recipe.loss, val_loader=loaders[1],
                      scheduler=scheduler, metrics=recipe.metrics, eval_every=cfg["eval_every"],
                      checkpoint_every=cfg["checkpoint_every"] if run_dir else None,
                      log_every=cfg["log_every"], clip_grad_norm=cfg["clip_grad_norm"],
                      patience=cfg["patience"], val_split=split, save_best=split == "val",
                      run_dir=run_dir, step_fn=recipe.train_step, parallel=parallel,
                      config={"recipe": recipe.ref, **cfg}, progress=progress, **hooks)
    return trainer, {"test": loaders[2], "datasets": datasets}


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


def _where(trainer: Trainer) -> str:
    """Where a run starts: its step of the total, or why there is nothing to train."""
    step, steps = trainer.step, trainer.steps
    if trainer.resumed_from is None:
        return f"step 0 of {steps}"
    if trainer.stopped_early:
        return (f"stopped early at step {step}: finished, nothing to train (--fresh starts it "
                f"over)")
    if step >= steps:
        return (f"finished at step {step} (of {steps} asked): nothing to train; give --steps "
                f"above {step} to train on, or --fresh to start over")
    return f"resuming at step {step} of {steps}"


def train_recipe(recipe: Recipe, overrides: dict | None = None,
                 run_dir: str | os.PathLike = "runs/run", resume: bool = True,
                 progress: bool = True, announce: Callable[[str], None] | None = None,
                 parallel: DataParallel | None = None) -> dict:
    """Train `recipe` with `overrides` in `run_dir` (resuming an interrupted run there, or
    extending a finished one to a larger `steps`), then evaluate on the test split; returns and
    writes results.json (the final weights' validation and test metrics where the recipe has
    those splits). A run with nothing left to train is not evaluated again: its
    results.json comes back with 'finished_before': True. `announce` gets one line once the
    run directory is held: where the run starts (its step of the total). The data and model are
    built before the directory is created, so a failed build leaves no directory; Ctrl-C saves
    a checkpoint and raises TrainingInterrupted. With `parallel` (a DataParallel: this process
    is one rank of `wonderland train --nproc N`) every rank trains its share of each batch and
    rank 0 alone writes the run directory and announces."""
    cfg = recipe.configure(overrides)
    run = RunDir(run_dir)
    writes = parallel is None or parallel.main
    header = [] if announce is None or not writes else [
        lambda t: announce(f"run directory: {run.path}, {_where(t)}")]
    trainer, loaders = trainer_for(recipe, cfg, run.path, progress, parallel=parallel,
                                   on_start=header)
    with run.claim() if writes else nullcontext():
        if resume:
            _check_resumable(run, recipe, cfg)
        start = time.perf_counter()
        trainer.fit(resume=resume)
        wall = time.perf_counter() - start
        first_step = trainer.resumed_from
        if first_step == trainer.step and run.results.exists():  # nothing was trained
            return {**json.loads(run.results.read_text()), "finished_before": True}
        results = {"recipe": recipe.name, "steps": trainer.step,
                   "stopped_early": trainer.stopped_early, "wall_time_s": wall,
                   "resumed_from_step": first_step or None, "published": recipe.published}
        if trainer.val_loader is not None and trainer.val_split == "val":
            results["val"] = trainer.evaluate(trainer.val_loader)  # the final weights'
        if loaders["test"] is not None:
            results["test"] = trainer.evaluate(loaders["test"])
        if recipe.assess is not None and writes:
            results["test"] = {**results.get("test", {}), **_assess(recipe, trainer, cfg, run,
                                                                         loaders["datasets"])}
        old = json.loads(run.results.read_text()) if first_step and run.results.exists() else {}
        if "wall_time_s" in old:  # a resumed run: count the time before the interruption too
            results["wall_time_s"] += old["wall_time_s"]
        if parallel is not None:
            results["nproc"] = parallel.world
        if writes:
            run.write_json(run.results, results)
    return results


def _assess(recipe: Recipe, trainer: Trainer, cfg: dict, run: RunDir,
            datasets: tuple) -> dict[str, float]:
    """The recipe's own figures for the final weights (in eval mode), its pictures drawn into
    the run directory."""
    model = trainer.model
    model.eval()
    try:
        seed_everything(cfg["seed"])  # the same samples however the run got here
        figures = recipe.assess(model, cfg, datasets, run.path)
    finally:
        model.train()
    if not isinstance(figures, dict):
        raise TypeError(f"recipe '{recipe.name}': assess must return a dict of figures, got "
                        f"{type(figures).__name__}")
    return {k: float(v) for k, v in figures.items()}


def _run_recipe(run: RunDir, saved, given: str | None) -> Recipe:
    """The recipe to rebuild a run with. config.json may only name a registered recipe: a
    recipe file is code, and runs only when the user names it (`given`)."""
    from ..recipes import get, names

    if given is not None:
        recipe = get(given)
        if saved in names() and recipe.ref != saved:
            raise ValueError(f"{run.path} was trained with recipe '{saved}', not {given}")
        return recipe
    if saved in names():
        return get(saved)
    raise ValueError(f"{run.config} names the recipe {saved!r}, which is not a registered "
                     f"recipe; a run directory never runs code by itself: if you trust that "
                     f"file, name it yourself (wonderland eval {run.path} --recipe FILE.py)")


def _evaluated_splits(run: RunDir) -> set[str]:
    """The splits a run evaluated during training (what its best weights were chosen on)."""
    if not run.metrics.exists():
        return set()
    return {r.get("split") for r in read_metrics(run.metrics)} - {"train"}


def _load(run_dir: str | os.PathLike, weights: str, recipe: str | None):
    """(recipe, config, model with the weights, datasets) of a finished run."""
    run = RunDir(run_dir)
    if not run.config.exists():
        raise FileNotFoundError(f"{run.path} is not a run directory (no config.json)")
    cfg = json.loads(run.config.read_text())
    chosen = _run_recipe(run, cfg.pop("recipe", None), recipe)
    path = {"model": run.model, "best": run.best_model}[weights]
    if weights == "best" and not path.exists():
        raise FileNotFoundError(f"{run.path} keeps no best weights: they are chosen on a "
                                f"validation split, which this run did not have (a recipe's "
                                f"val_size setting holds one out of train); use --weights model")
    if weights == "best" and "test" in _evaluated_splits(run):  # written before that rule
        raise ValueError(f"{run.path} evaluated the test split during training, so its "
                         f"best.safetensors was chosen on the test split: use --weights model")
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: has the run finished?")
    model, datasets = build(chosen, cfg)
    model.load_state_dict(load(path))
    return chosen, cfg, model, datasets


def load_run(run_dir: str | os.PathLike, weights: str = "model",
             recipe: str | None = None) -> tuple[Recipe, dict, object]:
    """(recipe, config, model with the run's final or best weights) of a finished run. The
    run's config.json may name only a registered recipe: a run trained from a recipe file needs
    that file named here in `recipe` (a downloaded run directory must not run code)."""
    chosen, cfg, model, _ = _load(run_dir, weights, recipe)
    return chosen, cfg, model


def evaluate_run(run_dir: str | os.PathLike, split: str = "test", weights: str = "model",
                 recipe: str | None = None, episodes: int | None = None) -> dict[str, float]:
    """The loss and metrics of a finished run's final (or best) weights on one split (see
    load_run for `recipe`). Best weights are never scored on the split they were chosen on.
    An RL run (its train split can evaluate a policy) is scored instead by the mean and std
    of the return over `episodes` whole episodes (default its eval_episodes setting)."""
    chosen, cfg, model, (train, val, test) = _load(run_dir, weights, recipe)
    if hasattr(train, "evaluate") and not isinstance(train, Dataset):
        model.eval()
        return train.evaluate(model, episodes or cfg["eval_episodes"])
    if episodes is not None:
        raise ValueError(f"--episodes scores a reinforcement-learning run; {run_dir} "
                         f"(recipe '{chosen.name}') is scored on its {split} split")
    if weights == "best" and split in _evaluated_splits(RunDir(run_dir)):
        raise ValueError(f"the best weights of {run_dir} were chosen on its {split} split: "
                         f"their score there is biased (metrics.jsonl has it); use --split test")
    dataset = {"val": val, "test": test}[split]
    if dataset is None:
        raise ValueError(f"recipe '{chosen.name}' has no {split} split")
    return evaluate(model, _loader(dataset, cfg, train=False), chosen.loss, chosen.metrics)


def results_line(results: dict) -> str:
    """One line for the console: the final validation and test metrics next to the published
    figure."""
    parts = [f"{split} {k} {v:.4f}" for split in ("val", "test")
             for k, v in (results.get(split) or {}).items()]
    pub = results.get("published") or {}
    for k, v in pub.items():
        if isinstance(v, (int, float)):
            parts.append(f"published {k.replace('test_', '').replace('_', ' ')} {v:.2f}"
                         + (f" ({pub['source']})" if pub.get("source") else ""))
    return ", ".join(parts) + f"; {results['steps']} steps in {results['wall_time_s']:.0f} s"


__all__ = ["build", "evaluate_run", "load_run", "results_line", "seed_everything",
           "train_recipe", "trainer_for"]
