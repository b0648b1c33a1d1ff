"""The worker process: one per system, started by the harness with the thread settings already
in its environment. It reads JSON requests on stdin (time a workload, probe memory, describe
itself) and answers one JSON line each: `python -m wonderland.bench.worker SYSTEM THREADS`."""
from __future__ import annotations

import gc
import json
import math
import os
import sys
import time
import traceback

from .workloads import WORKLOADS


def configure(system: str, threads: int) -> None:
    """What the environment variables cannot set: torch's intra-op thread pool."""
    if system == "torch":
        import torch

        torch.set_num_threads(threads)


def describe(system: str) -> dict:
    """The system's version and thread count, and the NumPy/BLAS underneath."""
    import numpy as np

    out = {"system": system, "numpy": np.__version__}
    try:
        out["blas"] = np.__config__.CONFIG["Build Dependencies"]["blas"]["name"]
    except (AttributeError, KeyError, TypeError):
        out["blas"] = "?"
    if system == "wonderland":
        import wonderland
        from wonderland.backend.kernels import kernels_for

        kernels = bool(kernels_for("cpu"))  # compiled kernels (numba) where installed and on
        out["version"] = wonderland.__version__ + (" with numba kernels" if kernels else "")
    elif system == "numpy":
        out["version"] = np.__version__
    else:
        import importlib

        module = importlib.import_module(system)
        out["version"] = getattr(module, "__version__", "?")
        if system == "torch":
            out["threads"] = module.get_num_threads()
    return out


def loop(run, number: int) -> float:
    """Seconds for `number` calls of run()."""
    start = time.perf_counter()
    for _ in range(number):
        run()
    return time.perf_counter() - start


def calibrate(run, min_time: float) -> int:
    """Calls per repeat so that one repeat lasts at least min_time (grown from 1 by the time
    measured); the first call, not timed, also does any lazy set-up."""
    run()
    number = 1
    while True:
        took = loop(run, number)
        if took >= min_time or number >= 10**7:
            return number
        wanted = math.ceil(1.2 * number * min_time / max(took, 1e-9))
        number = min(100 * number, max(2 * number, wanted))


def rss_bytes() -> int | None:
    """The resident set size now (Linux /proc, else psutil when installed, else None)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        pass
    try:
        import psutil

        return psutil.Process().memory_info().rss
    except ImportError:
        return None


def peak_bytes() -> int | None:
    """The process's high-water RSS from getrusage (KiB on Linux, bytes on macOS)."""
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def reset_peak() -> bool:
    """Reset the high-water RSS to the current RSS (Linux >= 4.0: /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Server:
    """Answers requests for one system; keeps the case of the workload being timed."""

    def __init__(self, system: str):
        self.system, self.current, self.case, self.number = system, None, None, 0

    def _build(self, name: str, quick: bool):
        return WORKLOADS[name].builders[self.system](quick)

    def time(self, workload: str, quick: bool, repeats: int, warmup: int, min_time: float,
             max_time: float) -> dict:
        """Seconds per call of `repeats` repeats after `warmup` untimed ones; the case is built
        and calibrated on the first request for it. Repeats stop early, after at least 3, once
        they have taken max_time seconds."""
        if self.current != workload:
            self.drop()
            self.case = self._build(workload, quick)
            self.number = calibrate(self.case.run, min_time)
            self.current = workload
        run, number = self.case.run, self.number
        for _ in range(warmup):
            loop(run, number)
        gc.collect()
        times, spent = [], 0.0
        for _ in range(repeats):
            took = loop(run, number)
            times.append(took / number)
            spent += took
            if spent >= max_time and len(times) >= 3:
                break
        return {"times": times, "number": number, "work": self.case.work}

    def drop(self) -> dict:
        self.current = self.case = None
        gc.collect()
        return {}

    def memory(self, workload: str, quick: bool, checkpoints: list[int]) -> dict:
        """Meant for a fresh process: with model and data built, the RSS and the high-water
        mark reset to it where the OS allows; steps 1..B; the RSS after every step from A to B
        (after a gc.collect()) and the high-water mark at the end; checkpoints = [A, B]."""
        first, last = checkpoints
        case = self._build(workload, quick)
        gc.collect()
        reset = reset_peak()
        peak_before, rss = peak_bytes(), {}
        before = peak_before if reset else rss_bytes()  # after a reset: the same counter
        for step in range(1, last + 1):
            case.run()
            if step >= first:
                gc.collect()
                rss[str(step)] = rss_bytes()
        return {"rss_before": before, "reset": reset, "peak_before": peak_before,
                "peak": peak_bytes(), "rss": rss}

    def profile(self, workload: str, quick: bool, seconds: float, top: int) -> dict:
        """cProfile of calls for about `seconds` (at least one, after one untimed call): the
        `top` functions by own time, as pstats prints them."""
        import cProfile
        import io
        import pstats

        case = self._build(workload, quick)
        case.run()
        profiler, calls, start = cProfile.Profile(), 0, time.perf_counter()
        while calls == 0 or time.perf_counter() - start < seconds:
            profiler.runcall(case.run)
            calls += 1
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(top)
        return {"calls": calls, "text": text.getvalue()}

    def handle(self, request: dict) -> dict:
        op = request.pop("op")
        if op == "describe":
            return describe(self.system)
        if op in ("time", "memory", "drop", "profile"):
            return getattr(self, op)(**request)
        raise ValueError(f"unknown request {op!r}")


def serve(system: str, threads: int) -> None:
    """Answer requests until stdin closes. Anything the workloads print goes to stderr, so the
    answers own stdout."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    configure(system, threads)
    server = Server(system)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = {"ok": True, **server.handle(json.loads(line))}
        except Exception as e:  # noqa: BLE001  (reported to the harness, which goes on)
            reply = {"ok": False, "error": f"{type(e).__name__}: {e}",
                     "trace": traceback.format_exc()}
        answers.write(json.dumps(reply) + "\n")
        answers.flush()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
