"""Ctrl-C in `wonderland train`: the run saves a checkpoint at the step it was in, prints the
command that resumes it (one line, no traceback) and exits with 130; that command then ends
with exactly the weights and log of a run that was never interrupted."""
import os
import shlex
import signal
import subprocess
import time

import pytest

import wonderland as wl

from ._runs import TINY, WONDERLAND, assert_same_run


def _train(run_dir, workers, **kw):
    return subprocess.Popen([*WONDERLAND, "train", TINY, "--run-dir", str(run_dir),
                             "--no-progress", "--num_workers", str(workers)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


@pytest.mark.parametrize("workers", [0, 2])
def test_ctrl_c_checkpoints_and_the_printed_command_resumes_exactly(tmp_path, workers):
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    out, err = _train(whole, workers).communicate(timeout=120)
    assert (whole / "model.safetensors").exists(), err
    ready, go = tmp_path / "ready", tmp_path / "go"
    # a session of its own, so that SIGINT goes to its whole process group (DataLoader
    # workers too), as Ctrl-C in a terminal does
    child = _train(broken, workers, start_new_session=True,
                   env={**os.environ, "WL_TEST_PAUSE": f"7:{ready}:{go}"})
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():  # step 7 is under way
            assert child.poll() is None and time.monotonic() < deadline, child.communicate()
            time.sleep(0.01)
        os.killpg(child.pid, signal.SIGINT)
        go.touch()
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith("interrupted at step 7, checkpoint saved; resume with: wonderland ")
    assert wl.load_state(broken / "checkpoint.safetensors")["position"]["step"] == 7
    assert not (broken / "model.safetensors").exists()
    command = shlex.split(err.split("resume with: ", 1)[1])
    assert command[:3] == ["wonderland", "train", TINY] and "--fresh" not in command
    resumed = subprocess.run([*WONDERLAND, *command[1:]], capture_output=True, text=True,
                             timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming at step 7 of 24" in resumed.stdout
    assert_same_run(whole, broken)
