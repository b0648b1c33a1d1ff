"""The `wonderland` command on a small recipe file: train (with progress off), resume, refuse a
mismatched run directory, eval, plot, tune over SQLite, and typed --key value overrides."""
import json
import textwrap

import pytest

from wonderland import cli
from wonderland.recipes import get, names

RECIPE = textwrap.dedent('''
    import wonderland as wl
    from wonderland import nn
    from wonderland.data.datasets import Digits
    from wonderland.train import Recipe

    recipe = Recipe(
        name="tiny_digits", description="a linear model on sklearn digits",
        config={"steps": 6, "lr": 0.05, "eval_every": 3, "checkpoint_every": 3,
                "log_every": 2, "batch_size": 32, "nesterov": False, "note": "x"},
        data=lambda cfg: (Digits(train=True), None, Digits(train=False)),
        model=lambda cfg: nn.Linear(64, 10),
        optimizer=lambda cfg, params: wl.optim.SGD(params, lr=cfg["lr"]),
        published={"test_accuracy": 0.9, "source": "made up for the test"},
        search_space=lambda trial: {"lr": trial.suggest_float("lr", 1e-3, 1e-1, log=True)},
    )
''')


@pytest.fixture
def recipe_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "tiny.py"
    path.write_text(RECIPE)
    return str(path)


def test_train_resume_eval_plot(recipe_file, tmp_path, capsys):
    assert cli.main(["train", recipe_file, "--no-progress", "--lr", "0.1"]) == 0
    out = capsys.readouterr().out
    run = tmp_path / "runs" / "tiny_digits"
    assert "run directory: runs/tiny_digits" in out and "test accuracy" in out
    assert "published accuracy 0.90" in out
    for name in ("config.json", "metrics.jsonl", "checkpoint.safetensors", "model.safetensors",
                 "curves.png", "results.json"):
        assert (run / name).exists(), name
    config = json.loads((run / "config.json").read_text())
    assert config["lr"] == 0.1 and config["recipe"] == recipe_file
    results = json.loads((run / "results.json").read_text())
    assert results["steps"] == 6 and 0 <= results["test"]["accuracy"] <= 1

    assert cli.main(["train", recipe_file, "--no-progress", "--lr", "0.1", "--steps", "8"]) == 0
    assert "resumed from step 6" in capsys.readouterr().out
    assert json.loads((run / "results.json").read_text())["steps"] == 8

    assert cli.main(["train", recipe_file, "--no-progress"]) == 2  # lr differs from the run's
    assert "other settings (lr)" in capsys.readouterr().err
    assert cli.main(["train", recipe_file, "--no-progress", "--fresh"]) == 0
    capsys.readouterr()

    assert cli.main(["eval", str(run)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["split"] == "test"
    assert shown["accuracy"] == pytest.approx(
        json.loads((run / "results.json").read_text())["test"]["accuracy"])

    assert cli.main(["plot", str(run), str(run), "--out", str(tmp_path / "cmp.svg")]) == 0
    assert (tmp_path / "cmp.svg").read_text().lstrip().startswith("<?xml")


def test_tune_shares_a_sqlite_study(recipe_file, tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'study.db'}"
    for _ in range(2):  # a second command adds to the same stored study
        assert cli.main(["tune", recipe_file, "--trials", "2", "--storage", db, "--seed", "1",
                         "--steps", "3"]) == 0
    out = capsys.readouterr().out
    assert "4 trials in study 'tiny_digits'" in out and '"lr"' in out


def test_overrides_are_typed_by_the_defaults(recipe_file):
    recipe = get(recipe_file)
    got = cli.parse_overrides(recipe, ["--lr", "1e-3", "--steps=7", "--nesterov", "true",
                                       "--note", "42", "--clip-grad-norm", "0.5"])
    assert got == {"lr": 0.001, "steps": 7, "nesterov": True, "note": "42",
                   "clip_grad_norm": 0.5}
    assert cli.parse_overrides(recipe, ["--lr", "1"]) == {"lr": 1.0}
    for bad, message in ((["--steps", "2.5"], "--steps expects an integer"),
                         (["--nesterov", "yes"], "--nesterov expects true or false"),
                         (["--lr", "fast"], "--lr expects a number"),
                         (["--depth", "3"], "no setting 'depth'"),
                         (["--lr"], "--lr needs a value"),
                         (["lr", "3"], "expected --key value")):
        with pytest.raises(SystemExit, match=message):
            cli.parse_overrides(recipe, bad)


def test_unknown_recipe_and_run_dir(tmp_path, capsys):
    assert cli.main(["train", "no_such_recipe"]) == 2
    assert "no recipe 'no_such_recipe'; known:" in capsys.readouterr().err
    assert cli.main(["eval", str(tmp_path)]) == 2
    assert "not a run directory" in capsys.readouterr().err


def test_list_names_every_shipped_recipe(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert names() and all(name in out for name in names())


def test_bench_passes_its_arguments_through(capsys):
    assert cli.main(["bench", "--list"]) == 0
    out = capsys.readouterr().out
    assert "gemm1024" in out and "mlp" in out
