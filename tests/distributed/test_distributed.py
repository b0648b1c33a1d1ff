"""wonderland.distributed on real MPI processes: each test launches a script of
tests/distributed/scripts with Open MPI's mpiexec (2 ranks, and 3 on this machine's 2 cores,
oversubscribed) under a timeout, and the script checks its values on every rank."""
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wonderland.cli import main as cli_main
from wonderland.distributed import launcher as launch_module
from wonderland.distributed.launcher import find_mpiexec, mpiexec_command

SCRIPTS = Path(__file__).parent / "scripts"
ENV_ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                  "NUMBA_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _env():
    import os

    return {**os.environ, **ENV_ONE_THREAD}


def ranks(n: int, script: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run a script of SCRIPTS on n ranks, as `wonderland launch` does."""
    command = mpiexec_command(n, str(SCRIPTS / script), list(args))
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=_env())


CHECKS = ["collectives", "ddp", "functional", "pmap"]


@pytest.fixture(scope="module", params=[2, 3])
def suite(request):
    """The check scripts (CHECKS) in one job of n ranks (MPI's start-up paid once)."""
    n = request.param
    start = time.monotonic()
    out = ranks(n, "suite.py", *[f"{c}.py" for c in CHECKS], timeout=120)
    return n, out, time.monotonic() - start


def _passed(suite, word: str) -> None:
    n, out, _ = suite
    assert out.returncode == 0, out.stdout + out.stderr
    for r in range(n):
        assert f"{word} ok on rank {r} of {n}" in out.stdout, out.stdout + out.stderr


def test_collectives_match_numpy(suite):
    _passed(suite, "collectives")


def test_ddp_matches_one_process_on_the_whole_batch(suite):
    _passed(suite, "ddp")


def test_differentiable_collectives_match_one_process(suite):
    _passed(suite, "functional")


def test_pmap_matches_vmap(suite):
    _passed(suite, "pmap")


@pytest.mark.parametrize("mode", ["kill", "raise", "skip"])
def test_a_failing_rank_ends_the_job(mode):
    start = time.monotonic()
    out = ranks(2, "die.py", mode, timeout=60)
    elapsed = time.monotonic() - start
    assert out.returncode != 0, out.stdout + out.stderr
    assert "must not happen" not in out.stdout
    assert elapsed < 30, elapsed
    if mode == "raise":
        assert "rank 1 fails on purpose" in out.stderr
    if mode == "skip":
        assert "DistBackendError" in out.stderr and "waited 2 s" in out.stderr, out.stderr


def test_an_uncaught_exception_aborts_without_mpi4py_main():
    # plain `mpiexec python script.py` (no -m mpi4py): init_process_group's hook aborts
    command = [c for c in mpiexec_command(2, str(SCRIPTS / "die.py"), ["raise"])
               if c not in ("-m", "mpi4py")]
    assert command[-3:] == [sys.executable, str(SCRIPTS / "die.py"), "raise"]
    start = time.monotonic()
    out = subprocess.run(command, capture_output=True, text=True, timeout=60, env=_env())
    assert out.returncode != 0 and time.monotonic() - start < 30
    assert "aborting all 2 ranks" in out.stderr, out.stderr


def test_launch_command_runs_the_script_and_returns_its_status(capfd, monkeypatch):
    for k, v in ENV_ONE_THREAD.items():
        monkeypatch.setenv(k, v)
    assert cli_main(["launch", "-n", "2", str(SCRIPTS / "hello.py"), "--flag", "0"]) == 0
    out = capfd.readouterr().out
    assert "rank 0 of 2: sum 1 --flag" in out and "rank 1 of 2: sum 1 --flag" in out
    assert cli_main(["launch", "-n", "2", str(SCRIPTS / "exit3.py")]) != 0


def test_launch_command_line():
    command = mpiexec_command(3, "train.py", ["--steps", "5"])
    assert command[0] == find_mpiexec() and command[1:3] == ["-n", "3"]
    assert "--oversubscribe" in command
    assert command[-6:] == [sys.executable, "-m", "mpi4py", "train.py", "--steps", "5"]


def test_launch_without_mpi_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setattr(launch_module, "mpi4py_installed", lambda: False)
    assert cli_main(["launch", "-n", "2", str(SCRIPTS / "hello.py")]) == 2
    err = capsys.readouterr().err
    assert "wonderland launch:" in err and "pip install wonderland[distributed]" in err


def test_launch_of_a_missing_script(capsys):
    assert cli_main(["launch", "-n", "2", "no_such_script.py"]) == 2
    assert "no script no_such_script.py" in capsys.readouterr().err


def test_importing_does_not_start_mpi():
    code = ("import sys, wonderland.distributed as d, wonderland.distributed.nn; "
            "assert 'mpi4py' not in sys.modules; assert not d.is_initialized(); "
            "print(d.is_available())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "True"


def test_ddp_without_a_process_group_says_so():
    from wonderland import nn
    from wonderland.nn.parallel import DistributedDataParallel

    with pytest.raises(RuntimeError, match="DistributedDataParallel.*init_process_group"):
        DistributedDataParallel(nn.Linear(2, 2))
