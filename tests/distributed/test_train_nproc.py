"""`wonderland train --nproc N`: N MPI ranks, each on its share of every batch, end with the
weights, metrics and log of one process on the whole batches (float64, to rounding); rank 0
alone writes the run directory; Ctrl-C stops every rank after the same step with a checkpoint
that a later run (on N ranks or on one) resumes from."""
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from wonderland.cli import main as cli_main
from wonderland.serialization import load

from .test_distributed import ENV_ONE_THREAD

RECIPE = str(Path(__file__).parent / "parallel_recipe.py")


def _train(run_dir, *args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "wonderland.cli", "train", RECIPE, "--run-dir",
               str(run_dir), "--no-progress", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, **ENV_ONE_THREAD}, start_new_session=True)


def _finish(job: subprocess.Popen, timeout: float = 120) -> str:
    out, _ = job.communicate(timeout=timeout)
    assert job.returncode == 0, out
    return out


def _one_process(run_dir, steps: int, *args: str) -> None:
    assert cli_main(["train", RECIPE, "--run-dir", str(run_dir), "--no-progress",
                     "--steps", str(steps), *args]) == 0


def _same_run(ours: Path, reference: Path) -> None:
    """Weights, results and the log of two run directories agree to rounding."""
    a, b = load(ours / "model.safetensors"), load(reference / "model.safetensors")
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_allclose(np.asarray(a[k]), np.asarray(b[k]), rtol=1e-10, atol=1e-12)
    ra, rb = (json.loads((d / "results.json").read_text()) for d in (ours, reference))
    for split in ("val", "test"):
        assert ra[split].keys() == rb[split].keys()
        for k in ra[split]:
            assert ra[split][k] == pytest.approx(rb[split][k], rel=1e-10)
    log_a, log_b = ([json.loads(line) for line in (d / "metrics.jsonl").read_text().splitlines()]
                    for d in (ours, reference))
    assert [(r["step"], r["split"]) for r in log_a] == [(r["step"], r["split"]) for r in log_b]
    for x, y in zip(log_a, log_b):
        assert x["loss"] == pytest.approx(y["loss"], rel=1e-10)


def test_three_ranks_train_as_one_process(tmp_path):
    _one_process(tmp_path / "one", 12)
    out = _finish(_train(tmp_path / "three", "--nproc", "3"))
    _same_run(tmp_path / "three", tmp_path / "one")
    assert json.loads((tmp_path / "three" / "results.json").read_text())["nproc"] == 3
    assert out.count("run directory:") == 1  # rank 0 alone speaks


def test_ctrl_c_stops_every_rank_with_a_checkpoint_that_resumes(tmp_path):
    run = tmp_path / "two"
    # one log line at the end: the interrupted run's log window is never empty, and its sums
    # over both ranks must survive the checkpoint
    once = ("--log_every", "100000")
    job = _train(run, "--nproc", "2", "--steps", "100000", *once)
    deadline = time.monotonic() + 60
    while not (run / "metrics.jsonl").exists() and time.monotonic() < deadline:
        time.sleep(0.05)  # training is under way once rank 0 logs
    time.sleep(0.5)
    os.killpg(job.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
    out, _ = job.communicate(timeout=60)
    assert job.returncode == 130, out
    step = int(re.search(r"interrupted at step (\d+), checkpoint saved", out).group(1))
    assert "--nproc 2" in out and "Traceback" not in out
    assert (run / "checkpoint.safetensors").exists() and not (run / "model.safetensors").exists()
    total = step + 7
    out = _finish(_train(run, "--nproc", "2", "--steps", str(total), *once))
    assert f"resuming at step {step} of {total}" in out
    _one_process(tmp_path / "one", total, *once)
    _same_run(run, tmp_path / "one")


def test_refused_before_any_rank_starts(tmp_path, capsys):
    assert cli_main(["train", RECIPE, "--run-dir", str(tmp_path / "r"), "--nproc", "11"]) == 2
    assert "batch_size 10 is too small" in capsys.readouterr().err
    assert cli_main(["train", "eight_gaussians_wgan", "--run-dir", str(tmp_path / "g"),
                     "--nproc", "2"]) == 2
    assert "its own training step" in capsys.readouterr().err
    assert not (tmp_path / "r").exists() and not (tmp_path / "g").exists()
