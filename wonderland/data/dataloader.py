"""DataLoader: batches from a dataset in a seeded order, loaded in the main process or by worker
processes that prefetch ahead and return batches in order (errors name worker and index)."""
from __future__ import annotations

import multiprocessing as mp
import os
import queue
import random
import traceback
from collections.abc import Callable, Iterator

import numpy as np

from ..core import random as wl_random
from ..core.random import Generator
from .collate import default_collate, to_numpy
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

_POLL = 0.5  # seconds between checks that the other side is still alive


class DataLoader:
    """Iterates over `dataset` in batches. The order is fixed by `seed` or `generator` (or by
    wl.manual_seed); with num_workers > 0 worker processes load batches ahead of use."""

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool = False,
                 sampler: Sampler | None = None, batch_sampler: Sampler | None = None,
                 num_workers: int = 0, collate_fn: Callable | None = None,
                 drop_last: bool = False, generator: Generator | None = None,
                 prefetch_factor: int = 2, worker_init_fn: Callable | None = None,
                 seed: int | None = None, timeout: float = 0) -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"num_workers must be a non-negative integer, got {num_workers!r}")
        if not isinstance(prefetch_factor, int) or prefetch_factor < 1:
            raise ValueError(f"prefetch_factor must be a positive integer, got {prefetch_factor!r}")
        if generator is not None and seed is not None:
            raise ValueError("give either generator or seed, not both")
        if sampler is not None and shuffle:
            raise ValueError("sampler and shuffle=True are mutually exclusive: the sampler "
                             "decides the order")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler is mutually exclusive with batch_size, shuffle, "
                                 "sampler and drop_last")
            batch_size = None
        elif batch_size is None or isinstance(batch_size, bool) or \
                not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if generator is None and seed is not None:
            generator = Generator(seed)
        if batch_sampler is None:
            if sampler is None:
                sampler = (RandomSampler(dataset, generator=generator) if shuffle
                           else SequentialSampler(dataset))
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler, self.batch_sampler, self.generator = sampler, batch_sampler, generator
        self.num_workers, self.prefetch_factor, self.timeout = num_workers, prefetch_factor, timeout
        self.collate_fn = collate_fn or default_collate
        self.worker_init_fn = worker_init_fn

    def __len__(self) -> int:
        return len(self.batch_sampler)

    def _base_seed(self) -> int:
        gen = self.generator or wl_random.default_generator
        return int(gen.np.integers(2**62))

    def __iter__(self) -> Iterator:
        return self.iter_from(0)

    def iter_from(self, start: int) -> Iterator:
        """A pass that skips its first `start` batches without loading them: the batches that
        follow are those a full pass from the same random state would give (how a resumed run
        continues mid-epoch). All of a pass's randomness is drawn here, when it begins."""
        if not isinstance(start, int) or not 0 <= start <= len(self):
            raise ValueError(f"iter_from: start must be a batch number in 0..{len(self)}, "
                             f"got {start!r}")
        base_seed = self._base_seed()  # drawn with or without workers: the same order either way
        batches = list(self.batch_sampler)[start:]
        if self.num_workers == 0:
            return (self.collate_fn([self.dataset[i] for i in batch]) for batch in batches)
        return _WorkerIterator(self, base_seed, batches, start)


class _WorkerError:
    """What a failing worker sends back: where it failed and the traceback as text."""

    def __init__(self, worker_id: int, index, exc: BaseException) -> None:
        self.worker_id, self.index = worker_id, index
        self.exc_type = type(exc).__name__
        self.text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def _seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    wl_random.manual_seed(seed)


def _worker_loop(worker_id: int, dataset, index_q, result_q, seed: int,
                 init_fn: Callable | None, parent: int) -> None:
    """Runs in a worker process: take (batch number, indices), send back (batch number, samples
    as NumPy arrays) until told to stop (None) or the parent goes away."""
    _seed_all(seed + worker_id)
    try:
        if init_fn is not None:
            init_fn(worker_id)
    except Exception as e:  # noqa: BLE001  (reported to the parent, which raises)
        result_q.put((-1, _WorkerError(worker_id, None, e)))
        return
    while True:
        try:
            task = index_q.get(timeout=_POLL)
        except queue.Empty:
            if os.getppid() != parent:
                return
            continue
        if task is None:
            return
        n, indices = task
        # each batch gets its own random streams, so a sample's random transforms do not depend
        # on which worker loads it or on which batches came before (a resumed pass repeats them)
        _seed_all(int(np.random.SeedSequence([seed, n]).generate_state(1, np.uint64)[0]))
        current = None
        try:
            samples = []
            for current in indices:
                samples.append(to_numpy(dataset[current]))
            result_q.put((n, samples))
        except Exception as e:  # noqa: BLE001
            result_q.put((n, _WorkerError(worker_id, current, e)))


def _context():
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


class _WorkerIterator:
    """One pass over a DataLoader with worker processes: batch k goes to worker k % num_workers,
    at most prefetch_factor * num_workers batches are in flight, and results come out in order."""

    def __init__(self, loader: DataLoader, base: int, batches: list, start: int) -> None:
        self.loader, self.workers, self._closed = loader, [], False
        self.collate_fn = loader.collate_fn
        self.batches = iter(batches)
        self.length = len(batches)
        ctx, parent = _context(), os.getpid()
        self.result_q = ctx.Queue()
        self.index_qs = [ctx.Queue() for _ in range(loader.num_workers)]
        for wid, iq in enumerate(self.index_qs):
            p = ctx.Process(target=_worker_loop, daemon=True,
                            args=(wid, loader.dataset, iq, self.result_q, base,
                                  loader.worker_init_fn, parent))
            p.start()
            self.workers.append(p)
        # batches keep their numbers from a full pass, so batch n always goes to worker
        # n % num_workers (and its seeded randomness) whether or not the pass was resumed
        self.sent = self.received = start
        self.pending: dict = {}
        for _ in range(loader.prefetch_factor * loader.num_workers):
            if not self._send():
                break

    def _send(self) -> bool:
        batch = next(self.batches, None)
        if batch is None:
            return False
        self.index_qs[self.sent % len(self.workers)].put((self.sent, list(batch)))
        self.sent += 1
        return True

    def __iter__(self) -> _WorkerIterator:
        return self

    def __len__(self) -> int:
        return self.length

    def _get(self):
        waited = 0.0
        while True:
            try:
                return self.result_q.get(timeout=_POLL)
            except queue.Empty:
                dead = [i for i, p in enumerate(self.workers) if not p.is_alive()]
                if dead:
                    self.close()
                    raise RuntimeError(f"DataLoader worker(s) {dead} exited unexpectedly "
                                       f"(exit codes {[self.workers[i].exitcode for i in dead]})"
                                       ) from None
                waited += _POLL
                if self.loader.timeout and waited >= self.loader.timeout:
                    self.close()
                    raise RuntimeError(f"DataLoader timed out after {self.loader.timeout} s "
                                       f"waiting for a batch") from None

    def __next__(self):
        if self._closed or self.received >= self.sent:
            self.close()
            raise StopIteration
        while self.received not in self.pending:
            n, data = self._get()
            if isinstance(data, _WorkerError):
                self.close()
                where = "in worker_init_fn" if n < 0 else f"at dataset index {data.index!r}"
                raise RuntimeError(f"DataLoader worker {data.worker_id} failed {where} with "
                                   f"{data.exc_type}. Original traceback:\n{data.text}")
            self.pending[n] = data
        samples = self.pending.pop(self.received)
        self.received += 1
        self._send()
        return self.collate_fn(samples)

    def close(self) -> None:
        """Stop the workers and release the queues (safe to call more than once)."""
        if self._closed:
            return
        self._closed = True
        for iq in self.index_qs:
            try:
                iq.put(None)
            except (OSError, ValueError):
                pass
        for p in self.workers:
            p.join(timeout=2 * _POLL)
            if p.is_alive():
                p.terminate()
                p.join(timeout=1)
        for q in [*self.index_qs, self.result_q]:
            q.cancel_join_thread()
            q.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001  (interpreter shutdown)
            pass
