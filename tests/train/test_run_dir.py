"""A run directory is held by one process at a time (a second training refuses, naming the
holder's pid; a killed holder frees it), and a start that fails leaves no directory behind."""
import os
import subprocess
import sys

import pytest

from wonderland import cli
from wonderland.recipes import get
from wonderland.train import RunDirInUseError, Trainer
from wonderland.train.run import train_recipe

from ._runs import TINY

HOLD = ("import sys, time; from wonderland.train import RunDir; "
        "claim = RunDir(sys.argv[1]).claim(); claim.__enter__(); print('held', flush=True); "
        "time.sleep(120)")


def test_one_process_at_a_time_and_a_killed_holder_frees_it(tmp_path, capsys):
    run = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(run)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        assert cli.main(["train", TINY, "--run-dir", str(run), "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert f"{run} is in use by process {holder.pid}" in err and "--run-dir" in err
        recipe = get(TINY)
        cfg = recipe.configure()
        trainer = Trainer(recipe.model(cfg), None, None, steps=2, run_dir=run, progress=False)
        with pytest.raises(RunDirInUseError, match=f"process {holder.pid}"):
            trainer.fit()
        assert os.listdir(run) == [".lock"]  # nothing was written
    finally:
        holder.kill()
        holder.communicate()  # waits, and closes the pipe
    assert cli.main(["train", TINY, "--run-dir", str(run), "--no-progress"]) == 0
    assert (run / "model.safetensors").exists()


def _failing_at(step: int, loss):
    calls = []

    def failing(out, y):
        calls.append(1)
        if len(calls) == step:
            raise RuntimeError("the disk is full")
        return loss(out, y)
    return failing


def test_a_failed_start_leaves_no_directory(tmp_path):
    recipe = get(TINY)
    recipe.loss = _failing_at(3, recipe.loss)
    with pytest.raises(RuntimeError, match="the disk is full"):
        train_recipe(recipe, {"checkpoint_every": 5}, tmp_path / "runs" / "a", progress=False)
    assert list(tmp_path.iterdir()) == []  # runs/ too: this start made it


def test_a_failure_after_a_checkpoint_keeps_the_run(tmp_path):
    recipe = get(TINY)
    recipe.loss = _failing_at(4, recipe.loss)
    with pytest.raises(RuntimeError, match="the disk is full"):
        train_recipe(recipe, {"checkpoint_every": 2}, tmp_path / "run", progress=False)
    results = train_recipe(get(TINY), {"checkpoint_every": 2}, tmp_path / "run", progress=False)
    assert results["resumed_from_step"] == 2 and results["steps"] == 24
