"""A recipe's own training step and its assessment: train_step replaces the default step (the
scheduler and the step count still follow it), a run killed and resumed ends where an
uninterrupted one does, and assess's figures join results.json's test metrics with its pictures
in the run directory."""
import json
from dataclasses import replace

import numpy as np
import pytest

import wonderland as wl
from wonderland import nn
from wonderland.train import Recipe
from wonderland.train.run import train_recipe


def _data(cfg):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5], np.float32))[:, None]
    pairs = list(zip(x, y))
    return pairs[:48], None, pairs[48:]


def _alternating_step(trainer, x, y):
    """Even steps move only the first layer, odd steps only the second (as a GAN's two players
    take turns), each with one Adam over both groups: a parameter without a gradient is left
    alone, its moments untouched."""
    model, opt = trainer.model, trainer.optimizer
    opt.zero_grad(set_to_none=True)
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    frozen = model[1] if trainer.step % 2 == 0 else model[0]
    for p in frozen.parameters():
        p.grad = None
    opt.step()
    return loss.item()


def _assess(model, cfg, datasets, out_dir):
    _, _, test = datasets
    x = wl.tensor(np.stack([p[0] for p in test]))
    y = wl.tensor(np.stack([p[1] for p in test]))
    with wl.no_grad():
        err = float(((model(x) - y) ** 2).mean())
    (out_dir / "picture.txt").write_text(f"{err:.6f}")
    return {"mse": err, "training": float(model.training)}


RECIPE = Recipe(
    name="hooks", description="a linear model trained in turns (for tests)",
    config={"steps": 12, "batch_size": 8, "lr": 0.05, "eval_every": 6, "log_every": 3,
            "checkpoint_every": 4},
    data=_data,
    model=lambda cfg: nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1)),
    optimizer=lambda cfg, params: wl.optim.Adam(params, lr=cfg["lr"]),
    loss=lambda out, y: ((out - y) ** 2).mean(),
    scheduler=lambda cfg, opt: wl.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5),
    metrics={}, train_step=_alternating_step, assess=_assess)


def test_own_step_runs_in_turns_and_assess_joins_the_results(tmp_path):
    results = train_recipe(RECIPE, run_dir=tmp_path / "run", progress=False)
    test = results["test"]
    assert results["steps"] == 12 and set(test) == {"loss", "mse", "training"}
    assert test["training"] == 0.0  # assessed in eval mode
    assert test["mse"] == pytest.approx(test["loss"], rel=1e-5)  # the same test points
    assert (tmp_path / "run" / "picture.txt").read_text() == f"{test['mse']:.6f}"
    saved = json.loads((tmp_path / "run" / "results.json").read_text())
    assert saved["test"] == test
    state = wl.load_state(tmp_path / "run" / "checkpoint.safetensors")
    steps = {k: v["step"] for k, v in state["optimizer"]["state"].items()}
    assert sorted(int(float(s)) for s in steps.values()) == [6, 6, 6, 6]  # each half 6 steps
    assert state["scheduler"]["last_epoch"] == 12  # stepped after every step


def test_an_own_step_resumes_exactly(tmp_path):
    whole = train_recipe(RECIPE, run_dir=tmp_path / "whole", progress=False)
    train_recipe(RECIPE, {"steps": 5}, run_dir=tmp_path / "split", progress=False)
    resumed = train_recipe(RECIPE, run_dir=tmp_path / "split", progress=False)
    assert resumed["resumed_from_step"] == 5
    assert resumed["test"]["mse"] == whole["test"]["mse"]


def test_assess_must_return_figures(tmp_path):
    bad = replace(RECIPE, assess=lambda model, cfg, datasets, out_dir: 0.5)
    with pytest.raises(TypeError, match="recipe 'hooks': assess must return a dict"):
        train_recipe(bad, {"steps": 2}, run_dir=tmp_path / "run", progress=False)
