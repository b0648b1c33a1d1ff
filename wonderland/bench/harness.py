"""The harness: one worker process per system with the same thread settings, rounds that
interleave the systems on each workload, and memory probes in fresh processes."""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

from .workloads import Workload

SYSTEMS = ("wonderland", "torch", "numpy", "tinygrad", "mygrad")  # table order
OPTIONAL = ("tinygrad", "mygrad")  # compared only when importable
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS")
TIMEOUT = 900.0  # seconds one request may take before its worker is stopped


def available(system: str) -> bool:
    """Whether a system can run here (wonderland and numpy always can)."""
    return system in ("wonderland", "numpy") or find_spec(system) is not None


def default_systems() -> list[str]:
    return [s for s in SYSTEMS if available(s)]


def default_threads() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class WorkerError(RuntimeError):
    """A worker failed a request: the error and the end of its traceback or stderr."""


class Worker:
    """A `python -m wonderland.bench.worker SYSTEM THREADS` process with the thread variables set
    in its environment before it starts (so before it imports NumPy or torch)."""

    def __init__(self, system: str, threads: int):
        self.system = system
        env = {**os.environ, **{v: str(threads) for v in THREAD_VARIABLES}}
        root = str(Path(__file__).resolve().parents[2])  # where `wonderland` is importable
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wonderland.bench.worker", system, str(threads)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True,
            env=env)
        self.replies: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.replies.put(line)
        self.replies.put(None)

    def _stderr_tail(self, chars: int = 2000) -> str:
        self.stderr.seek(0)
        return self.stderr.read()[-chars:]

    def request(self, op: str, timeout: float = TIMEOUT, **args) -> dict:
        """Send one request and wait for its answer; WorkerError if it fails, dies or hangs."""
        try:
            self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
            self.proc.stdin.flush()
            line = self.replies.get(timeout=timeout)
        except queue.Empty:
            self.close()
            raise WorkerError(f"{self.system} worker: no answer in {timeout:.0f} s") from None
        except OSError:
            line = None
        if line is None:
            code = self.proc.wait()
            raise WorkerError(f"{self.system} worker exited with code {code}:\n"
                              f"{self._stderr_tail()}")
        reply = json.loads(line)
        if not reply.pop("ok"):
            raise WorkerError(f"{reply['error']}\n{reply['trace'][-1500:]}")
        return reply

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        """End the worker (closing its stdin asks it to) and close every pipe and file it had."""
        if self.alive:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.stderr):
            try:
                stream.close()
            except OSError:  # a broken pipe to a worker that died
                pass


@dataclass
class Measurement:
    """One system on one workload: seconds per call, one list per round; or the error."""

    times: list[list[float]] = field(default_factory=list)
    number: int = 0
    work: float = 0.0
    error: str = ""
    memory: dict | None = None


@dataclass
class Settings:
    """How a run measures: rounds over the systems, repeats per round, sizes, threads, memory."""

    rounds: int = 5
    repeats: int = 5
    warmup: int = 1
    min_time: float = 0.05  # seconds one repeat lasts at least (tiny ops: many calls)
    max_time: float = 10.0  # seconds of repeats per system and round, after at least 3
    memory_steps: tuple[int, int] = (10, 50)  # RSS checkpoints of the memory probes
    quick: bool = False
    threads: int = 1
    memory: bool = True


Log = Callable[[str], None]


class Pool:
    """The live worker of each system, started on first use and again after a failure."""

    def __init__(self, threads: int):
        self.threads, self.workers = threads, {}

    def get(self, system: str) -> Worker:
        worker = self.workers.get(system)
        if worker is None or not worker.alive:
            worker = self.workers[system] = Worker(system, self.threads)
        return worker

    def close(self) -> None:
        for worker in self.workers.values():
            worker.close()


def time_workload(pool: Pool, workload: Workload, systems: list[str], settings: Settings,
                  log: Log) -> dict[str, Measurement]:
    """Round r times each system in turn (wonderland, torch, then the others), so that load
    from other processes falls on all alike; a system that fails is left out of later rounds."""
    here = [s for s in systems if s in workload.builders]
    out = {s: Measurement() for s in here}
    for r in range(settings.rounds):
        for system in here:
            m = out[system]
            if m.error:
                continue
            try:
                reply = pool.get(system).request(
                    "time", workload=workload.name, quick=settings.quick,
                    repeats=settings.repeats, warmup=settings.warmup,
                    min_time=settings.min_time, max_time=settings.max_time)
            except WorkerError as e:
                m.error = str(e)
                log(f"  {workload.name} {system}: error {m.error.splitlines()[0]}")
                continue
            m.times.append(reply["times"])
            m.number, m.work = reply["number"], reply["work"]
        log(f"  {workload.name} round {r + 1}/{settings.rounds} done")
    for system in here:
        if system in pool.workers and pool.workers[system].alive:
            try:
                pool.workers[system].request("drop")
            except WorkerError:
                pass
    return out


def probe_memory(workload: Workload, system: str, settings: Settings) -> dict:
    """Peak RSS of the training steps and RSS growth between two checkpoint steps, in a fresh
    worker so that nothing measured before can hide the peak."""
    steps = settings.memory_steps
    worker = Worker(system, settings.threads)
    try:
        reply = worker.request("memory", workload=workload.name, quick=settings.quick,
                               checkpoints=list(steps))
    finally:
        worker.close()
    reply["steps"] = list(steps)
    return reply


def profile(workload: Workload, system: str, settings: Settings, seconds: float = 3.0,
            top: int = 15) -> str:
    """The top functions by own time (cProfile) of one system on a workload, in a fresh worker."""
    worker = Worker(system, settings.threads)
    try:
        reply = worker.request("profile", workload=workload.name, quick=settings.quick,
                               seconds=seconds, top=top)
    finally:
        worker.close()
    return f"{workload.name}, {system}, {reply['calls']} call(s):{reply['text']}"


def run_suite(workloads: list[Workload], systems: list[str], settings: Settings,
              log: Log = lambda s: None) -> tuple[dict[str, dict[str, Measurement]], dict]:
    """Time every workload on every system that has it; then probe memory of the training
    steps. Returns (results by workload and system, descriptions of the systems)."""
    pool, results, info = Pool(settings.threads), {}, {}
    try:
        for system in systems:
            try:
                info[system] = pool.get(system).request("describe", timeout=120)
            except WorkerError as e:
                info[system] = {"error": str(e).splitlines()[0]}
        for workload in workloads:
            log(f"{workload.name}: {workload.title}")
            results[workload.name] = time_workload(pool, workload, systems, settings, log)
    finally:
        pool.close()
    if settings.memory:
        for workload in (w for w in workloads if w.memory):
            for system, m in results[workload.name].items():
                log(f"  {workload.name} memory {system}")
                try:
                    m.memory = probe_memory(workload, system, settings)
                except WorkerError as e:
                    m.memory = {"error": str(e).splitlines()[0]}
    return results, info
