"""A run killed with SIGKILL and resumed from its checkpoint ends with exactly the weights, and
logs exactly the metrics, of a run that was never interrupted."""
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import wonderland as wl

from ._runs import assert_same_run

JOB = Path(__file__).with_name("resume_job.py")


def _run(run_dir, kill_at, workers):
    return subprocess.run([sys.executable, str(JOB), str(run_dir), str(kill_at), str(workers)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("workers", [0, 2])
@pytest.mark.parametrize("kill_at", [12, 20])  # mid-epoch (batch 3 of 5) and at an epoch's end
def test_killed_and_resumed_run_matches_uninterrupted(tmp_path, workers, kill_at):
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    assert _run(whole, 0, workers).returncode == 0
    killed = _run(broken, kill_at, workers)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    saved = wl.load_state(broken / "checkpoint.safetensors")
    assert saved["position"]["step"] == 7 * (kill_at // 7)  # the last checkpoint before the kill
    assert not (broken / "model.safetensors").exists()
    resumed = _run(broken, 0, workers)
    assert resumed.returncode == 0, resumed.stderr
    assert_same_run(whole, broken)
    final = wl.load_state(broken / "checkpoint.safetensors")
    assert final["position"]["step"] == 30

