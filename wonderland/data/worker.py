"""The DataLoader's worker processes: each loads the batches it is given and sends the samples
back through its own pipe, so the main process sees at once a worker that dies (the pipe ends),
a sample that cannot be pickled, an error in the dataset (with its traceback) or a timeout."""
from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import queue
import random
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import wait

import numpy as np

from ..core import random as wl_random
from .collate import to_numpy

_POLL = 0.5  # seconds between checks that the other side is still alive


class WorkerError:
    """What a failing worker sends back: where it failed and the traceback as text."""

    def __init__(self, worker_id: int, where: str, exc: BaseException) -> None:
        self.worker_id, self.where, self.exc_type = worker_id, where, type(exc).__name__
        self.text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))

    def message(self) -> str:
        """The error the main process raises, as PyTorch words it."""
        return (f"DataLoader worker {self.worker_id} failed {self.where} with {self.exc_type}. "
                f"Original traceback:\n{self.text}")


class _Sender:
    """Sends a worker's messages from a thread, so that the worker loads its next batch while
    the main process has not yet read the last one; pickling happens in the caller, so a sample
    that cannot be pickled raises there."""

    def __init__(self, conn) -> None:
        self.conn, self.queue = conn, queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (data := self.queue.get()) is not None:
            try:
                self.conn.send_bytes(data)
            except OSError:  # the main process has gone or closed the pass
                return

    def send(self, n: int, obj) -> None:
        self.queue.put(pickle.dumps((n, obj), protocol=pickle.HIGHEST_PROTOCOL))

    def flush(self, timeout: float) -> None:
        """Wait (at most `timeout` seconds) until what was sent has left."""
        self.queue.put(None)
        self.thread.join(timeout)


def _seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    wl_random.manual_seed(seed)


def _unpicklable(indices: list, samples: list):
    """The first dataset index whose sample cannot be pickled, with the error, or (None, None)."""
    for i, s in zip(indices, samples):
        try:
            pickle.dumps(s, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as e:  # noqa: BLE001  (whatever pickling raises is reported)
            return i, e
    return None, None


def _load(worker_id: int, dataset, n: int, indices: list, sender: _Sender) -> None:
    """Load batch n's samples and send them, or send what went wrong."""
    current = None
    try:
        samples = []
        for current in indices:
            samples.append(to_numpy(dataset[current]))
    except (Exception, SystemExit) as e:  # noqa: BLE001  (the main process raises it)
        sender.send(n, WorkerError(worker_id, f"at dataset index {current!r}", e))
        return
    try:
        sender.send(n, samples)
    except Exception as e:  # noqa: BLE001
        index, err = _unpicklable(indices, samples)
        where = (f"at dataset index {index!r}: its sample cannot be pickled to be sent to the "
                 f"main process (return arrays, tensors, numbers or strings)")
        sender.send(n, WorkerError(worker_id, where, err or e))


def worker_loop(worker_id: int, dataset, tasks, results, seed: int,
                init_fn: Callable | None, parent: int) -> None:
    """Runs in a worker process: take (batch number, indices) from `tasks`, send (batch number,
    samples as NumPy arrays) to `results`, until told to stop (None) or the parent goes away."""
    sender = _Sender(results)
    where = "in worker_init_fn"
    try:
        _seed_all(seed + worker_id)
        if init_fn is not None:
            init_fn(worker_id)
        where = "in its loop"
        while True:
            if not tasks.poll(_POLL):
                if os.getppid() != parent:
                    return
                continue
            task = tasks.recv()
            if task is None:  # the pass is over: the main process wants nothing more
                return
            n, indices = task
            # each batch gets its own random streams, so a sample's random transforms do not
            # depend on which worker loads it or on which batches came before (a resumed pass
            # repeats them)
            _seed_all(int(np.random.SeedSequence([seed, n]).generate_state(1, np.uint64)[0]))
            _load(worker_id, dataset, n, indices, sender)
    except KeyboardInterrupt:  # Ctrl-C reaches the main process too; it reports
        return
    except BaseException as e:  # noqa: BLE001  (the main process raises it, with the traceback)
        sender.send(-1, WorkerError(worker_id, where, e))
        sender.flush(timeout=10 * _POLL)


def _context():
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def _how_it_ended(exitcode: int | None) -> str:
    if exitcode is None:
        return "closed its pipe"
    if exitcode < 0:
        try:
            return f"was killed by signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was killed by signal {-exitcode}"
    return f"exited with code {exitcode}"


class WorkerIterator:
    """One pass over a DataLoader with worker processes: batch k goes to worker k % num_workers,
    at most prefetch_factor * num_workers batches are in flight, and results come out in order."""

    def __init__(self, loader, base: int, batches: Iterator, start: int, length: int) -> None:
        self.workers, self.tasks, self.results, self._closed = [], [], [], False
        self.collate_fn, self.timeout = loader.collate_fn, loader.timeout
        self.batches, self.length = batches, length
        ctx, parent = _context(), os.getpid()
        try:
            for wid in range(loader.num_workers):
                task_out, task_in = ctx.Pipe(duplex=False)
                result_out, result_in = ctx.Pipe(duplex=False)
                p = ctx.Process(target=worker_loop, daemon=True,
                                args=(wid, loader.dataset, task_out, result_in, base,
                                      loader.worker_init_fn, parent))
                p.start()
                # only the worker holds its ends now: when it dies, its result pipe ends
                task_out.close()
                result_in.close()
                self.workers.append(p)
                self.tasks.append(task_in)
                self.results.append(result_out)
        except BaseException:
            self.close()
            raise
        # batches keep their numbers from a full pass, so batch n always goes to worker
        # n % num_workers (and its seeded randomness) whether or not the pass was resumed
        self.sent = self.received = start
        self.pending: dict = {}  # batch number -> samples that arrived before their turn
        self.in_flight: dict = {}  # batch number -> its indices, sent and not yet back
        for _ in range(loader.prefetch_factor * loader.num_workers):
            if not self._send():
                break

    def _send(self) -> bool:
        batch = next(self.batches, None)
        if batch is None:
            return False
        wid, indices = self.sent % len(self.workers), list(batch)
        try:
            self.tasks[wid].send((self.sent, indices))
        except (BrokenPipeError, ConnectionResetError):
            raise self._died(wid) from None
        self.in_flight[self.sent] = indices
        self.sent += 1
        return True

    def _fail(self, message: str) -> RuntimeError:
        self.close()
        return RuntimeError(message)

    def _died(self, wid: int) -> RuntimeError:
        p = self.workers[wid]
        p.join(timeout=_POLL)  # its pipe ended: let its exit code arrive
        owed = [f"batch {n} (dataset indices {idx})" for n, idx in self.in_flight.items()
                if n % len(self.workers) == wid]
        return self._fail(f"DataLoader worker {wid} (pid {p.pid}) {_how_it_ended(p.exitcode)} "
                          f"unexpectedly" + (f" before delivering {', '.join(owed)}"
                                             if owed else ""))

    def _message(self, n: int):
        """The next (batch number, data) from any worker, waiting at most `timeout` seconds
        (0: for ever) for batch n; a worker that died or fails raises instead."""
        deadline = time.monotonic() + self.timeout if self.timeout else None
        while True:
            left = _POLL if deadline is None else min(_POLL, deadline - time.monotonic())
            for conn in wait(self.results, timeout=max(left, 0)):
                wid = self.results.index(conn)
                try:
                    raw = conn.recv_bytes()
                except (EOFError, OSError):
                    raise self._died(wid) from None
                try:
                    m, data = pickle.loads(raw)
                except Exception as e:  # noqa: BLE001  (e.g. a class the main cannot import)
                    raise self._fail(f"DataLoader: the main process cannot unpickle what worker "
                                     f"{wid} sent ({type(e).__name__}: {e})") from None
                if isinstance(data, WorkerError):
                    raise self._fail(data.message())
                return m, data
            dead = [wid for wid, p in enumerate(self.workers) if not p.is_alive()]
            if dead:  # gone without its pipe ending (a child of it still holds the pipe)
                raise self._died(dead[0])
            if deadline is not None and time.monotonic() >= deadline:
                raise self._fail(f"DataLoader timed out after {self.timeout} seconds waiting "
                                 f"for batch {n} (worker {n % len(self.workers)}, dataset "
                                 f"indices {self.in_flight[n]})")

    def __iter__(self) -> WorkerIterator:
        return self

    def __len__(self) -> int:
        return self.length

    def __next__(self):
        if self._closed or self.received >= self.sent:
            self.close()
            raise StopIteration
        while self.received not in self.pending:
            n, samples = self._message(self.received)
            self.pending[n] = samples
            del self.in_flight[n]
        samples = self.pending.pop(self.received)
        self.received += 1
        self._send()
        return self.collate_fn(samples)

    def close(self) -> None:
        """Stop the workers and close the pipes (safe to call more than once)."""
        if self._closed:
            return
        self._closed = True
        for conn in self.tasks:
            try:
                conn.send(None)
            except OSError:  # that worker has already gone
                pass
        deadline = time.monotonic() + 2 * _POLL
        for p in self.workers:
            p.join(timeout=max(deadline - time.monotonic(), 0))
            if p.is_alive():  # busy in the dataset: it would not see the stop in time
                p.terminate()
                p.join(timeout=1)
        for conn in [*self.tasks, *self.results]:
            conn.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001  (interpreter shutdown)
            pass
