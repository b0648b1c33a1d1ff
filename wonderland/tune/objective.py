"""Tuning a recipe: the Optuna objective that trains one trial's settings and scores them on the
validation split (never the test split), and the name of its study, which carries the settings
held fixed and the metric, so that searches of different objectives never share a study."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .study import _optuna, quiet_optuna, report_and_prune

if TYPE_CHECKING:
    import optuna

    from ..train.recipe import Recipe

MAX_READABLE = 80  # longer fixed settings are named by a hash of them


def study_name(recipe_name: str, fixed: dict[str, Any] | None = None,
               monitor: str = "loss") -> str:
    """The recipe's name, then its fixed settings in key order and the metric when it is not the
    loss, as in 'mnist1d_mlp', 'mnist1d_mlp[batch_size=32,steps=300]:accuracy'. Fixed settings
    longer than MAX_READABLE characters are replaced by a stable hash of them, as in
    'mnist1d_mlp[#1f0c4b9e2d7a]'."""
    name = recipe_name
    if fixed:
        body = ",".join(f"{k}={json.dumps(fixed[k], sort_keys=True, default=str)}"
                        for k in sorted(fixed))
        if len(body) > MAX_READABLE:
            body = "#" + hashlib.sha256(body.encode()).hexdigest()[:12]
        name += f"[{body}]"
    return name if monitor == "loss" else f"{name}:{monitor}"


def searched_keys(recipe: Recipe) -> set[str]:
    """The settings recipe.search_space sets, found by calling it once on a throwaway trial of an
    in-memory study."""
    optuna = _optuna()
    with quiet_optuna():
        trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0)).ask()
    return set(recipe.search_space(trial))


def recipe_objective(recipe: Recipe, fixed: dict[str, Any] | None = None,
                     monitor: str = "loss") -> Callable[[optuna.Trial], float]:
    """objective(trial) for search(): train `recipe` with the `fixed` settings and those its
    search_space(trial) proposes (recorded in the trial's user_attrs 'settings'), report the
    validation `monitor` after every evaluation for the pruner, and return its final value.

    The test split is never evaluated: a recipe without a validation split validates on a
    seeded tenth of its training split (train.run.trainer_for with use_test=False). Raises before
    any training: KeyError for an unknown setting; ValueError for a recipe without search_space,
    an unknown metric, or a fixed setting that the search space sets too (the trials would
    override it)."""
    from ..recipes import did_you_mean

    if recipe.search_space is None:
        raise ValueError(f"recipe '{recipe.name}' defines no search_space to tune")
    fixed = dict(fixed or {})
    recipe.configure(fixed)  # an unknown key fails here, not in the first trial
    metrics = ["loss", *(recipe.metrics or {})]
    if monitor not in metrics:
        raise ValueError(f"recipe '{recipe.name}' has no validation metric '{monitor}'"
                         f"{did_you_mean(monitor, metrics)} (it has {', '.join(metrics)})")
    clash = sorted(set(fixed) & searched_keys(recipe))
    if clash:
        raise ValueError(f"recipe '{recipe.name}' searches {', '.join(clash)}: every trial "
                         f"would override the value given; leave it out")

    def objective(trial: optuna.Trial) -> float:
        settings = recipe.search_space(trial)
        trial.set_user_attr("settings", settings)
        return train_settings(recipe, fixed, settings, monitor,
                              lambda value, step: report_and_prune(trial, value, step))

    return objective


def train_settings(recipe: Recipe, fixed: dict[str, Any], settings: dict[str, Any],
                   monitor: str = "loss",
                   report: Callable[[float, int], None] | None = None) -> float:
    """Train `recipe` with the `fixed` settings and a trial's `settings` on top, and return the
    final validation `monitor` (the test split is never read). report(value, step), when given,
    gets the monitor after every evaluation and may raise optuna.TrialPruned to stop. This is
    one trial of recipe_objective, and what a worker of `wonderland tune --workers` runs."""
    from ..train.run import trainer_for

    on_eval = []
    if report is not None:
        on_eval.append(lambda trainer, metrics: report(metrics[monitor], trainer.step))
    cfg = recipe.configure({**fixed, **settings})
    trainer, _ = trainer_for(recipe, cfg, None, progress=False, use_test=False,
                             on_eval=on_eval)
    return float(trainer.fit()[monitor])
