"""The process group: init_process_group over MPI's COMM_WORLD, rank and world size, barrier,
and the wait that turns a collective that never completes into an error after the timeout.

mpi4py is imported only here and only when a group starts: importing wonderland.distributed
does not start MPI. A rank whose Python raises an uncaught exception aborts the whole MPI job
(the hook installed by init_process_group), so the other ranks never wait for it forever."""
from __future__ import annotations

import datetime
import importlib.util
import os
import sys
import time

DEFAULT_TIMEOUT = datetime.timedelta(minutes=30)  # PyTorch's default_pg_timeout


class DistBackendError(RuntimeError):
    """A collective failed or timed out (torch.distributed.DistBackendError)."""


class _State:
    comm = None  # MPI.COMM_WORLD once initialized
    rank = 0
    size = 1
    timeout = DEFAULT_TIMEOUT.total_seconds()
    previous_hook = None


_state = _State()


def is_available() -> bool:
    """Whether mpi4py is installed (pip install wonderland[distributed])."""
    return importlib.util.find_spec("mpi4py") is not None


def is_mpi_available() -> bool:
    """torch.distributed.is_mpi_available: the same question as is_available here."""
    return is_available()


def is_initialized() -> bool:
    """Whether init_process_group has run (and destroy_process_group has not)."""
    return _state.comm is not None


def init_process_group(backend: str | None = "mpi", init_method: str | None = None,
                       timeout: datetime.timedelta | float | None = None,
                       world_size: int = -1, rank: int = -1, **kwargs) -> None:
    """Join the group of all processes that mpiexec started (MPI's COMM_WORLD).

    backend must be "mpi" (or None); world_size and rank, if given, must agree with what
    mpiexec assigned. timeout (a timedelta or seconds, default 30 minutes) bounds how long a
    collective waits for the other ranks before raising DistBackendError."""
    if backend not in (None, "mpi"):
        raise ValueError(f"init_process_group: backend {backend!r} is not available; wonderland "
                         f"has the 'mpi' backend only (processes started by `wonderland launch` "
                         f"or mpiexec)")
    if is_initialized():
        raise RuntimeError("init_process_group: trying to initialize the default process group "
                           "twice (call destroy_process_group first)")
    if not is_available():
        raise ImportError("init_process_group: mpi4py is not installed; "
                          "pip install wonderland[distributed]")
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    for name, given, actual in (("world_size", world_size, comm.Get_size()),
                                ("rank", rank, comm.Get_rank())):
        if given not in (-1, None) and given != actual:
            raise ValueError(f"init_process_group: {name}={given} but mpiexec started this "
                             f"process with {name} {actual}")
    if timeout is None:
        seconds = float(os.environ.get("WONDERLAND_DIST_TIMEOUT",
                                         DEFAULT_TIMEOUT.total_seconds()))
    else:
        seconds = timeout.total_seconds() if hasattr(timeout, "total_seconds") else float(timeout)
    if seconds <= 0:
        raise ValueError(f"init_process_group: timeout must be positive, got {seconds} s")
    comm.Set_errhandler(MPI.ERRORS_RETURN)  # MPI errors become Python exceptions, not exits
    _state.comm, _state.rank, _state.size, _state.timeout = (comm, comm.Get_rank(),
                                                             comm.Get_size(), seconds)
    if _state.previous_hook is None:
        _state.previous_hook = sys.excepthook
        sys.excepthook = _abort_on_uncaught


def _abort_on_uncaught(kind, value, tb) -> None:
    """Print the traceback, then abort every rank: the others may be waiting in a collective
    that this rank will never join, and MPI's exit handler would wait for them."""
    (_state.previous_hook or sys.__excepthook__)(kind, value, tb)
    abort_job(1, f"raised {kind.__name__}")


def abort_job(exit_code: int, why: str) -> None:
    """End every rank of the job now (MPI_Abort) when this rank cannot go on: the others may
    be waiting in a collective that it will never join. Nothing happens outside a group of
    several ranks."""
    if _state.comm is not None and _state.size > 1:
        sys.stderr.write(f"wonderland.distributed: rank {_state.rank} {why}; aborting all "
                         f"{_state.size} ranks\n")
        sys.stderr.flush()
        _state.comm.Abort(exit_code)


def destroy_process_group(group=None) -> None:
    """Leave the group (MPI itself finalizes when the process exits)."""
    _require("destroy_process_group")
    if _state.previous_hook is not None:
        sys.excepthook = _state.previous_hook
        _state.previous_hook = None
    _state.comm, _state.rank, _state.size = None, 0, 1


def _require(who: str):
    """The communicator, or a clear error when no group exists."""
    if _state.comm is None:
        raise RuntimeError(f"{who}: the default process group has not been initialized; call "
                           f"wonderland.distributed.init_process_group('mpi') first (in a "
                           f"script started by `wonderland launch -n N script.py`)")
    return _state.comm


def get_rank(group=None) -> int:
    """This process's rank, 0 .. world size - 1."""
    _require("get_rank")
    return _state.rank


def get_world_size(group=None) -> int:
    """The number of processes in the group."""
    _require("get_world_size")
    return _state.size


def get_backend(group=None) -> str:
    _require("get_backend")
    return "mpi"


def check_rank(r: int, what: str, who: str) -> int:
    """r as a rank of the group, or a ValueError naming the op."""
    if not isinstance(r, int) or isinstance(r, bool) or not 0 <= r < _state.size:
        raise ValueError(f"{who}: {what}={r!r} is not a rank of the group (world size "
                         f"{_state.size}: ranks 0 .. {_state.size - 1})")
    return r


def wait(request, who: str, timeout: float | None = None, status=None) -> None:
    """Wait for a non-blocking MPI request, polling with short sleeps so that a rank that
    never joins raises DistBackendError after the timeout instead of hanging forever."""
    if request.Test(status):
        return
    limit = _state.timeout if timeout is None else timeout
    deadline = time.monotonic() + limit
    pause = 1e-6
    while not request.Test(status):
        if time.monotonic() > deadline:
            raise DistBackendError(
                f"{who}: rank {_state.rank} waited {limit:g} s for the other ranks of "
                f"{_state.size} and gave up: a rank died, hangs, or skipped this collective "
                f"(every rank must call the same collectives in the same order)")
        time.sleep(pause)
        pause = min(pause * 2, 1e-3)


class Work:
    """What an async_op=True collective returns: wait() completes it (and writes the result
    into the tensors), is_completed() asks without blocking."""

    def __init__(self, request, finish, who: str):
        self._request, self._finish, self._who = request, finish, who
        self._done = False

    def is_completed(self) -> bool:
        if not self._done and self._request.Test():
            self._complete()
        return self._done

    def wait(self, timeout: datetime.timedelta | float | None = None) -> bool:
        if not self._done:
            seconds = timeout.total_seconds() if hasattr(timeout, "total_seconds") else timeout
            wait(self._request, self._who, seconds)
            self._complete()
        return True

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            self._finish()


def run(request, finish, who: str, async_op: bool):
    """Complete a started collective now, or hand it back as a Work."""
    work = Work(request, finish, who)
    if async_op:
        return work
    work.wait()
    return None


def barrier(group=None, async_op: bool = False, device_ids=None):
    """Wait until every rank has reached the barrier."""
    comm = _require("barrier")
    return run(comm.Ibarrier(), None, "barrier", async_op)


__all__ = ["init_process_group", "destroy_process_group", "is_initialized", "is_available",
           "is_mpi_available", "get_rank", "get_world_size", "get_backend", "barrier",
           "DistBackendError", "Work", "DEFAULT_TIMEOUT"]
