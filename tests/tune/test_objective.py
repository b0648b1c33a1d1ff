"""Tuning a recipe: the objective scores the validation split and never reads the test split,
records each trial's settings, refuses what cannot be tuned before training; study names carry
the fixed settings; the progress line of every kind of trial."""
import re

import numpy as np
import optuna
import pytest

import wonderland as wl
import wonderland.tune as tune
from wonderland.data import TensorDataset
from wonderland.train import Recipe


class Unseen:
    """A test split that fails whenever it is read."""

    def __len__(self):
        raise AssertionError("tuning looked at the test split")

    __getitem__ = __iter__ = __len__


def _data(with_val: bool):
    def data(cfg):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(60, 4)).astype(np.float32)
        y = (x[:, 0] > 0).astype(np.int64)
        train = TensorDataset(wl.tensor(x[:40]), wl.tensor(y[:40]))
        val = TensorDataset(wl.tensor(x[40:]), wl.tensor(y[40:])) if with_val else None
        return train, val, Unseen()
    return data


def _recipe(with_val: bool = True, **kwargs) -> Recipe:
    return Recipe(
        name="tiny", description="logistic regression on 4 features",
        config={"steps": 4, "lr": 0.1, "eval_every": 2, "log_every": 2, "batch_size": 10,
                "eval_batch_size": 20, "width": 4},
        data=_data(with_val), model=lambda cfg: wl.nn.Linear(cfg["width"], 2),
        optimizer=lambda cfg, params: wl.optim.SGD(params, lr=cfg["lr"]),
        search_space=lambda trial: {"lr": trial.suggest_float("lr", 1e-2, 1.0, log=True),
                                    "batch_size": 10},
        **kwargs)


@pytest.mark.parametrize("with_val", [True, False])
def test_objective_scores_validation_and_never_reads_test(with_val):
    recipe = _recipe(with_val)
    study = tune.search(tune.recipe_objective(recipe, {"steps": 6}, "accuracy"), storage=None,
                        n_trials=3, seed=0, direction="maximize", pruner="none")
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.COMPLETE] * 3
    for t in study.trials:
        assert t.user_attrs["settings"] == {"lr": t.params["lr"], "batch_size": 10}
        assert sorted(t.intermediate_values) == [2, 4, 6]  # reported after every evaluation
        assert t.value == t.intermediate_values[6] and 0 <= t.value <= 1


def test_objective_refuses_before_training():
    with pytest.raises(ValueError, match="defines no search_space"):
        tune.recipe_objective(Recipe("bare", "", {}, _data(True), None, None))
    with pytest.raises(KeyError, match="no setting 'depth'"):
        tune.recipe_objective(_recipe(), {"depth": 2})
    with pytest.raises(ValueError, match="no validation metric 'acuracy'; did you mean "
                                         "'accuracy'"):
        tune.recipe_objective(_recipe(), monitor="acuracy")
    with pytest.raises(ValueError, match="searches batch_size, lr: every trial would override"):
        tune.recipe_objective(_recipe(), {"lr": 0.5, "batch_size": 5, "width": 4})
    assert tune.searched_keys(_recipe()) == {"lr", "batch_size"}


def test_study_name_carries_the_fixed_settings_and_metric():
    assert tune.study_name("mlp") == tune.study_name("mlp", {}) == "mlp"
    assert tune.study_name("mlp", {"steps": 300, "batch_size": 32}) == \
        "mlp[batch_size=32,steps=300]"
    assert tune.study_name("mlp", {"note": "a b", "shuffle": False}, "accuracy") == \
        'mlp[note="a b",shuffle=false]:accuracy'
    long = {"data_root": "/a/very/long/path/" * 8, "steps": 3}
    name = tune.study_name("mlp", long)
    assert re.fullmatch(r"mlp\[#[0-9a-f]{12}\]", name)
    assert tune.study_name("mlp", dict(reversed(long.items()))) == name  # order-free, stable
    assert tune.study_name("mlp", {**long, "steps": 4}) != name


def test_progress_lines_of_complete_pruned_and_failed_trials():
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        trial.set_user_attr("settings", {"x": x, "depth": 3})
        if trial.number == 3:
            raise FloatingPointError("diverged")
        for step in range(4):
            tune.report_and_prune(trial, x + 1 / (step + 1), step)
        return x

    lines = []
    study = tune.search(objective, storage=None, n_trials=12, seed=0, sampler="random",
                        pruner=optuna.pruners.MedianPruner(n_startup_trials=2),
                        catch=(FloatingPointError,),
                        callbacks=[tune.progress_callback("val loss", 12, lines.append)])
    assert len(lines) == 12 and lines[0].startswith("[1/12] trial 0: x=")
    best, best_trial = float("inf"), None
    for line, t in zip(lines, study.trials):
        head = f"trial {t.number}: x={t.params['x']:.4g}, depth=3 -> "
        assert head in line, line
        if t.state == optuna.trial.TrialState.COMPLETE:
            if t.value < best:
                best, best_trial = t.value, t.number
            assert f"-> val loss {t.value:.4g} (" in line
        elif t.state == optuna.trial.TrialState.PRUNED:
            assert re.search(r"-> pruned at step \d \(val loss \S+\) \(", line), line
        else:
            assert "-> failed (" in line
        assert line.endswith(f"(best {best:.4g}, trial {best_trial})"), line
    assert any("pruned" in line for line in lines) and "failed" in lines[3]


def test_progress_line_before_any_completed_trial():
    study = optuna.create_study()
    trial = study.ask({"lr": optuna.distributions.FloatDistribution(0.1, 1)})
    study.tell(trial, state=optuna.trial.TrialState.FAIL)
    line = tune.progress_line(study, study.trials[0])
    assert line.startswith("trial 0: lr=") and line.endswith("-> failed (none completed yet)")
