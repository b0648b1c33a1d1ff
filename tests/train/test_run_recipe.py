"""`wonderland train` and `eval` on the tiny recipe file: the header gives the real step count,
--steps extends a finished run (or says plainly that it is finished), a run directory never
runs a recipe file by itself, and best weights are never chosen on, or scored on, the test
split."""
import json
import shutil

import pytest

from wonderland import cli
from wonderland.recipes import get
from wonderland.train import read_metrics
from wonderland.train.run import evaluate_run, train_recipe

from ._runs import TINY


def _train(run, *args):
    return cli.main(["train", TINY, "--run-dir", str(run), "--no-progress", *args])


def test_steps_extend_a_finished_run_and_the_header_says_where_it_starts(tmp_path, capsys):
    run = tmp_path / "run"
    assert _train(run, "--steps", "6") == 0
    assert f"run directory: {run}, step 0 of 6\n" in capsys.readouterr().out
    assert _train(run, "--steps", "10") == 0
    out = capsys.readouterr().out
    assert f"run directory: {run}, resuming at step 6 of 10\n" in out
    assert json.loads((run / "config.json").read_text())["steps"] == 10
    assert json.loads((run / "results.json").read_text())["steps"] == 10
    steps = [r["step"] for r in read_metrics(run)]
    assert steps == [2, 4, 5, 6, 6, 8, 10, 10]  # train every 2, test every 5 and at each end
    results = (run / "results.json").read_text()
    for steps in ("10", "4"):
        capsys.readouterr()
        assert _train(run, "--steps", steps) == 0
        out = capsys.readouterr().out
        assert (f"finished at step 10 (of {steps} asked): nothing to train; give --steps above "
                f"10 to train on, or --fresh to start over") in out
        assert "test accuracy" in out and f"run directory {run}:" not in out  # nothing written
        assert (run / "results.json").read_text() == results  # neither trained nor evaluated


def test_a_run_directory_never_runs_a_recipe_file_by_itself(tmp_path, capsys):
    run = tmp_path / "run"
    assert _train(run, "--steps", "4") == 0
    capsys.readouterr()
    assert cli.main(["eval", str(run)]) == 2
    err = capsys.readouterr().err
    assert "not a registered recipe" in err and f"wonderland eval {run} --recipe" in err
    assert cli.main(["eval", str(run), "--recipe", TINY]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["accuracy"] == json.loads((run / "results.json").read_text())["test"]["accuracy"]

    # a downloaded run directory whose config.json names a file that would run code
    evil = tmp_path / "evil.py"
    marker = tmp_path / "ran"
    evil.write_text(f"open({str(marker)!r}, 'w').close()\n")
    for named in (str(evil), "../evil.py", "evil"):
        config = json.loads((run / "config.json").read_text())
        (run / "config.json").write_text(json.dumps({**config, "recipe": named}))
        with pytest.raises(ValueError, match="never runs code by itself"):
            evaluate_run(run)
        assert cli.main(["eval", str(run), "--weights", "best"]) == 2
        assert "--recipe" in capsys.readouterr().err
    assert not marker.exists()


def test_a_registered_run_is_not_evaluated_with_another_recipe(tmp_path, capsys):
    run = tmp_path / "run"
    assert _train(run, "--steps", "2") == 0
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "recipe": "mnist1d_mlp"}))
    capsys.readouterr()
    assert cli.main(["eval", str(run), "--recipe", TINY]) == 2
    assert "was trained with recipe 'mnist1d_mlp'" in capsys.readouterr().err


def test_without_a_validation_split_no_best_is_kept(tmp_path, capsys):
    run = tmp_path / "run"
    assert _train(run, "--steps", "6") == 0  # val_size 0: the test split is evaluated
    splits = {r["split"] for r in read_metrics(run)}
    assert splits == {"train", "test"}
    assert not (run / "best.safetensors").exists()
    capsys.readouterr()
    assert cli.main(["eval", str(run), "--recipe", TINY, "--weights", "best"]) == 2
    assert "keeps no best weights" in capsys.readouterr().err


def test_best_is_chosen_on_val_and_never_scored_there(tmp_path, capsys):
    run = tmp_path / "run"
    assert _train(run, "--steps", "6", "--val_size", "16") == 0
    assert (run / "best.safetensors").exists()
    capsys.readouterr()
    assert cli.main(["eval", str(run), "--recipe", TINY, "--weights", "best"]) == 0
    assert json.loads(capsys.readouterr().out)["split"] == "test"
    assert cli.main(["eval", str(run), "--recipe", TINY, "--weights", "best", "--split",
                     "val"]) == 2
    assert "chosen on its val split" in capsys.readouterr().err
    assert cli.main(["eval", str(run), "--recipe", TINY, "--split", "val"]) == 0  # final weights

    # a run directory from before this rule: best chosen on the test split is not trusted
    old = tmp_path / "old"
    assert _train(old, "--steps", "6") == 0
    shutil.copy(run / "best.safetensors", old / "best.safetensors")
    with pytest.raises(ValueError, match="chosen on the test split"):
        evaluate_run(old, weights="best", recipe=TINY)

    # starting over without validation drops the best weights chosen before
    assert _train(run, "--steps", "6", "--fresh") == 0
    assert not (run / "best.safetensors").exists()


def test_the_results_of_an_extended_run_count_both_parts(tmp_path):
    first = train_recipe(get(TINY), {"steps": 4}, tmp_path / "run", progress=False)
    second = train_recipe(get(TINY), {"steps": 8}, tmp_path / "run", progress=False)
    assert second["resumed_from_step"] == 4 and second["steps"] == 8
    assert second["wall_time_s"] > first["wall_time_s"]
