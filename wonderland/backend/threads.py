"""The CPU's intra-op threads: how many (`set_num_threads`, `get_num_threads`, PyTorch's
names) and one pool that splits a kernel's independent pieces across them (`parallel_for`).

Why a pool of our own: the BLAS parallelises a large matrix product well, but a convolution's
products are small-M (16 to 128 filters) and come between im2col copies that NumPy runs on one
thread, so with 2 threads a convolution ran no faster than with one (OpenBLAS's two threads
even ran a 16-filter product at half the speed of its one). Splitting the batch into chunks,
each copied and multiplied by one thread while it is in that core's cache, uses both cores
for all of it. NumPy's copies and the BLAS release the GIL, so Python threads suffice.

Once the pool has run, the BLAS runs on one thread (threadpoolctl): its idle threads spin for
a while after each product, and after each change of their number, so beside a pool of our own
they fight it for the cores (a ResNet step ran 1.5x slower when the BLAS went back to two
threads after each piece of work). A large matrix product outside the pool gives them back
(`matmul`): a model of convolutions holds the BLAS at one thread, a transformer or an MLP keeps
its threads, and a program with both switches once per change of kind, not once per op."""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["get_num_threads", "matmul", "parallel_for", "set_num_threads"]

_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# from this many multiply-adds a product gets the BLAS's threads back (about 0.3 ms on one core
# here): a CNN's classifier head stays below, an MLP's or a transformer's layers above
BLAS_MACS = 1 << 23


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


class _Worker:
    """A thread that runs one job at a time, handed over with two locks: 20 us a round trip
    here, against 140 for a ThreadPoolExecutor's submit and result."""

    def __init__(self) -> None:
        self.go, self.done = threading.Lock(), threading.Lock()
        self.go.acquire()
        self.done.acquire()
        self.job: Callable[[], None] | None = None
        self.error: BaseException | None = None
        threading.Thread(target=self._loop, daemon=True, name="wonderland-worker").start()

    def _loop(self) -> None:
        while True:
            self.go.acquire()
            try:
                self.job()
            except BaseException as e:  # handed to the caller, which raises it
                self.error = e
            self.done.release()

    def start(self, job: Callable[[], None]) -> None:
        self.job, self.error = job, None
        self.go.release()

    def wait(self) -> BaseException | None:
        self.done.acquire()
        return self.error


_threads = _default()
_workers: list[_Worker] = []  # started on first use; the calling thread is worker 0
_running = threading.Lock()  # held while the pool works: a second caller runs serially
_blas = None  # threadpoolctl's controllers of the BLAS, found on first use
_blas_owned = False  # whether the BLAS has been set to one thread for the pool's sake


def _forget_pool() -> None:
    """A forked child (a DataLoader worker, say) has none of the parent's threads."""
    global _workers, _running
    _workers, _running = [], threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def get_num_threads() -> int:
    """The threads wonderland's CPU kernels and matrix products split their work across."""
    return _threads


def set_num_threads(n: int) -> None:
    """Use n threads for the CPU kernels and matrix products (as torch's)."""
    global _threads
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    _threads = n
    _set_blas(1 if n > 1 and _blas_owned else n)


def _set_blas(n: int) -> None:
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController
        _blas = ThreadpoolController().select(user_api="blas")
    _blas.limit(limits=n)


def _take_blas() -> None:
    global _blas_owned
    if not _blas_owned:
        _blas_owned = True
        _set_blas(1)


def parallel_for(items: Sequence[Any], work: Callable[[Any, int], None]) -> None:
    """work(item, worker) for every item, spread over get_num_threads() threads; worker (0 to
    threads - 1) names the thread, for its private buffers. Items must be independent: each
    writes its own part of the output (or its worker's). Returns when all are done; an
    exception in one is raised here. Nested calls, and calls while another thread's are
    running, run serially on the calling thread."""
    threads = min(_threads, len(items))
    if threads <= 1 or not _running.acquire(blocking=False):
        for item in items:
            work(item, 0)
        return
    try:
        _take_blas()
        while len(_workers) < threads - 1:
            _workers.append(_Worker())

        def run(worker: int) -> None:
            for item in items[worker::threads]:
                work(item, worker)

        helpers = _workers[:threads - 1]
        for w, helper in enumerate(helpers, start=1):
            helper.start(lambda w=w: run(w))
        error = None
        try:
            run(0)
        except BaseException as e:
            error = e
        for helper in helpers:  # every helper finishes before anything is raised
            error = helper.wait() or error
        if error is not None:
            raise error
    finally:
        _running.release()


def matmul(xp, a, b):
    """xp.matmul(a, b) for the matrix-product primitives: a large product, outside the pool's
    work, gives the BLAS back its threads first (it splits a product better than two halves
    on one thread each: 10% on a GPT's), which the next convolution takes again. A small one
    leaves them as they are."""
    if (_blas_owned and _threads > 1 and not _running.locked()
            and a.size * b.shape[-1] >= BLAS_MACS):
        _give_blas()
    return xp.matmul(a, b)


def _give_blas() -> None:
    global _blas_owned
    _blas_owned = False
    _set_blas(_threads)
