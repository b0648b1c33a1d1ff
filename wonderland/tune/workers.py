"""`wonderland tune RECIPE --workers N`: one search on N+1 MPI ranks. Rank 0, the main, holds
the Optuna study: it asks for trials, runs the recipe's search_space on each, and sends the
settings to a free worker (ranks 1..N), which trains them and sends back the validation value;
the main tells the study, at most N trials in flight. Intermediate values travel to the main,
whose pruner answers each one, so pruning works as in one process.

The parent process (the `wonderland tune` command) starts mpiexec with `job`, a fresh id that
every trial of this launch records; when the job ends early (Ctrl-C, a rank that died) the
parent marks that launch's unfinished trials failed, so that none stays RUNNING in the study."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
from typing import Any

from .objective import train_settings
from .study import _optuna, open_study, progress_callback, quiet_optuna

POLL_MAX_S = 0.005  # longest sleep between polls: MPI's blocking receive would spin a core
STOP_GRACE_S = 30.0  # how long mpiexec gets to stop its ranks after a Ctrl-C


def command(n_workers: int, spec: dict[str, Any]) -> list[str]:
    """The mpiexec command line of a search on n_workers workers and a main. `spec` (JSON)
    holds what every rank needs: recipe, fixed, monitor, metric, trials, job, and study, the
    keyword arguments of open_study. ImportError when mpi4py or mpiexec is missing."""
    from ..distributed.launcher import mpiexec_command

    if n_workers < 1:
        raise ValueError(f"tune: --workers must be at least 1, got {n_workers}")
    return mpiexec_command(n_workers + 1, "wonderland.tune.workers", [json.dumps(spec)],
                           module=True)


def run(command_line: list[str], study: Any, job: str) -> int:
    """Run the job and return mpiexec's exit status; on Ctrl-C stop it and re-raise. Either way
    the trials this job left unfinished are marked failed (see fail_unfinished)."""
    proc = subprocess.Popen(command_line)
    try:
        status = proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)  # mpiexec ends every rank (a terminal's ^C reached it)
        try:
            proc.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        fail_unfinished(study, job)
        raise
    if status != 0:
        fail_unfinished(study, job)
    return status


def fail_unfinished(study: Any, job: str) -> list[int]:
    """Mark failed the trials of launch `job` still running in the study (the ones in flight
    when the job ended); returns their numbers. Other processes' trials are left alone."""
    optuna = _optuna()
    running = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
    numbers = [t.number for t in running if t.user_attrs.get("job") == job]
    for number in numbers:
        study.tell(number, state=optuna.trial.TrialState.FAIL)
    return numbers


def rank_main(argv: list[str]) -> int:
    """The entry point of every rank: argv is [spec as JSON] (see command)."""
    from mpi4py import MPI

    spec = json.loads(argv[0])
    comm = MPI.COMM_WORLD
    try:
        if comm.Get_rank() == 0:
            return main_loop(comm, spec)
        return worker_loop(comm, spec)
    except KeyboardInterrupt:  # a terminal's Ctrl-C: the parent reports it, once
        return 130


def _receive(comm, source: int) -> tuple[Any, int]:
    """The next message from `source` (MPI.ANY_SOURCE for any) and its sender, polled with
    short sleeps: a blocking MPI receive busy-waits, taking a core from the training ranks."""
    from mpi4py import MPI

    status = MPI.Status()
    pause = 1e-5
    while not comm.iprobe(source=source, status=status):
        time.sleep(pause)
        pause = min(pause * 2, POLL_MAX_S)
    sender = status.Get_source()
    return comm.recv(source=sender, tag=status.Get_tag()), sender


def main_loop(comm, spec: dict[str, Any]) -> int:
    """Rank 0: ask for spec['trials'] trials, one per free worker, and tell the study each result.

    Messages from a worker: ('ready', pid, host) once; ('report', number, value, step), answered
    with whether to prune; ('done', number, value), ('pruned', number) or ('failed', number,
    error) when its trial ends. To a worker: ('trial', number, settings) or ('stop',)."""
    from mpi4py import MPI

    from ..recipes import get

    optuna = _optuna()
    state = optuna.trial.TrialState
    recipe = get(spec["recipe"])
    with quiet_optuna():  # the progress line of our own instead of Optuna's log
        study = open_study(**spec["study"])
        show = progress_callback(spec["metric"], spec["trials"],
                                 write=lambda line: print(line, flush=True))
        who: dict[int, tuple[int, str]] = {}
        running: dict[int, Any] = {}  # trial number -> optuna.Trial
        asked = stopped = 0
        workers = comm.Get_size() - 1
        while stopped < workers:
            message, rank = _receive(comm, MPI.ANY_SOURCE)
            kind = message[0]
            if kind == "ready":
                who[rank] = message[1], message[2]
            elif kind == "report":
                trial = running[message[1]]
                trial.report(message[2], message[3])
                comm.send(trial.should_prune(), dest=rank)
                continue  # the worker trains on
            else:
                trial = running.pop(message[1])
                if kind == "done":  # a NaN value makes the trial FAIL, as in study.optimize
                    frozen = study.tell(trial, message[2])
                elif kind == "pruned":
                    frozen = study.tell(trial, state=state.PRUNED)
                else:
                    trial.set_user_attr("error", message[2])
                    frozen = study.tell(trial, state=state.FAIL)
                    print(f"trial {trial.number} failed on worker {rank}: {message[2]}",
                          file=sys.stderr, flush=True)
                show(study, frozen)
            if asked == spec["trials"]:
                comm.send(("stop",), dest=rank)
                stopped += 1
                continue
            trial = study.ask()
            asked += 1
            try:
                settings = recipe.search_space(trial)
            except BaseException:  # the recipe's own mistake: every trial would fail alike
                study.tell(trial, state=state.FAIL)
                raise
            pid, host = who[rank]
            for key, value in (("settings", settings), ("worker", rank), ("worker_pid", pid),
                               ("worker_host", host), ("job", spec["job"])):
                trial.set_user_attr(key, value)
            running[trial.number] = trial
            comm.send(("trial", trial.number, settings), dest=rank)
    return 0


def worker_loop(comm, spec: dict[str, Any]) -> int:
    """Ranks 1..N: train the settings the main sends until it says stop. A trial whose training
    raises is reported failed (with the error) and the worker goes on to the next one."""
    from ..recipes import get

    optuna = _optuna()
    recipe = get(spec["recipe"])
    comm.send(("ready", os.getpid(), socket.gethostname()), dest=0)
    while True:
        message, _ = _receive(comm, 0)
        if message[0] == "stop":
            return 0
        number, settings = message[1], message[2]

        def report(value: float, step: int, number: int = number) -> None:
            value = float(value)  # a float, or a one-element tensor or array
            comm.send(("report", number, value, int(step)), dest=0)
            if _receive(comm, 0)[0]:
                raise optuna.TrialPruned(f"pruned at step {step} with value {value:.6g}")

        try:
            value = train_settings(recipe, spec["fixed"], settings, spec["monitor"], report)
        except optuna.TrialPruned:
            comm.send(("pruned", number), dest=0)
        except Exception as e:  # noqa: BLE001 - any error of the recipe fails this trial only
            if os.environ.get("WONDERLAND_DEBUG"):
                traceback.print_exc()
            comm.send(("failed", number, f"{type(e).__name__}: {e}"), dest=0)
        else:
            comm.send(("done", number, value), dest=0)


__all__ = ["command", "run", "fail_unfinished", "rank_main", "main_loop", "worker_loop"]


if __name__ == "__main__":  # each rank: python -m mpi4py -m wonderland.tune.workers SPEC
    sys.exit(rank_main(sys.argv[1:]))
