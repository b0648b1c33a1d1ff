"""The CPU's intra-op threads: how many (`set_num_threads`, `get_num_threads`, PyTorch's
names) and one pool that splits a kernel's independent pieces across them (`parallel_for`).

Why a pool of our own: the BLAS parallelises a large matrix product well, but a convolution's
products are small-M (16 to 64 filters) and come between im2col copies that NumPy runs on one
thread, so with 2 threads a convolution ran no faster than with one (OpenBLAS's two threads
even ran a 16-filter product at half the speed of its one). Splitting the batch into chunks,
each copied and multiplied by one thread while it is in that core's cache, uses both cores
for all of it. NumPy's copies and the BLAS release the GIL, so Python threads suffice. Inside
`parallel_for` the BLAS is held to one thread (threadpoolctl), as its own threads would
oversubscribe the cores; outside, it keeps `get_num_threads()` threads."""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["get_num_threads", "parallel_for", "set_num_threads"]

_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _default() -> int:
    """OMP_NUM_THREADS (or the BLAS's variables) when set, else the CPUs this process may use."""
    for name in _ENV:
        value = os.environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


_threads = _default()
_pool: ThreadPoolExecutor | None = None
_blas = None  # threadpoolctl's BLAS controllers, found on first use
_lock = threading.Lock()
_busy = threading.local()  # set on the pool's own threads: a nested parallel_for runs serially


def _forget_pool() -> None:
    """A forked child (a DataLoader worker, say) has none of the parent's pool threads."""
    global _pool, _lock
    _pool, _lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def get_num_threads() -> int:
    """The threads wonderland's CPU kernels split their work across (and the BLAS uses)."""
    return _threads


def set_num_threads(n: int) -> None:
    """Use n threads for the CPU kernels and the BLAS's matrix products (as torch's)."""
    global _threads, _pool
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    with _lock:
        _threads = n
        if _pool is not None:
            _pool.shutdown(wait=True)
            _pool = None
    _blas_controllers().limit(limits=n)


def _blas_controllers():
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController
        _blas = ThreadpoolController().select(user_api="blas")
    return _blas


def parallel_for(items: Sequence[Any], work: Callable[[Any, int], None]) -> None:
    """work(item, worker) for every item, spread over get_num_threads() threads; worker (0 to
    threads - 1) names the thread, for its private buffers. Items must be independent: each
    writes its own part of the output (or its worker's). Returns when all are done; an
    exception in one is raised here."""
    threads = min(_threads, len(items))
    if threads <= 1 or getattr(_busy, "active", False):
        for item in items:
            work(item, 0)
        return
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_threads, thread_name_prefix="wonderland")
        pool = _pool

    def run(worker: int) -> None:
        _busy.active = True
        try:
            for item in items[worker::threads]:
                work(item, worker)
        finally:
            _busy.active = False

    with _blas_controllers().limit(limits=1):
        futures = [pool.submit(run, w) for w in range(1, threads)]
        run(0)
        for f in futures:
            f.result()
