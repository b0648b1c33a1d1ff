"""DataLoader: batches from a dataset in a seeded order, loaded in the main process or by worker
processes (wonderland/data/worker.py) that prefetch ahead and return batches in order."""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from typing import Any

from ..core import random as wl_random
from ..core.random import Generator
from .collate import default_collate
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler
from .worker import WorkerIterator


class DataLoader:
    """Iterates over `dataset` in batches. The order is fixed by `seed` or `generator` (or by
    wl.manual_seed); with num_workers > 0 worker processes load batches ahead of use, and a
    positive `timeout` (seconds) bounds the wait for each batch."""

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = False,
                 sampler: Sampler | None = None, batch_sampler: Sampler | None = None,
                 num_workers: int = 0, collate_fn: Callable | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable | None = None, multiprocessing_context: Any = None,
                 generator: Generator | None = None, *, prefetch_factor: int | None = 2,
                 persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True, seed: int | None = None) -> None:
        # PyTorch's order of arguments; pin_memory (page-locked memory for GPU copies) and
        # persistent_workers (workers kept between passes) change speed, never the batches, and
        # have nothing to do on the CPU; workers start by fork where it exists, else by spawn
        del pin_memory, pin_memory_device, persistent_workers, multiprocessing_context
        if not in_order:
            raise ValueError("in_order=False is not supported: batches always come in order")
        shuffle = bool(shuffle)
        prefetch_factor = 2 if prefetch_factor is None else prefetch_factor
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"num_workers must be a non-negative integer, got {num_workers!r}")
        if not isinstance(prefetch_factor, int) or prefetch_factor < 1:
            raise ValueError(f"prefetch_factor must be a positive integer, got {prefetch_factor!r}")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or \
                math.isnan(timeout) or timeout < 0:
            raise ValueError(f"timeout must be a non-negative number of seconds, got {timeout!r}")
        if timeout and not num_workers:
            raise ValueError(f"timeout={timeout!r} needs num_workers > 0: it bounds the wait for "
                             f"a worker's batch (the main process cannot time out its own)")
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
        # lazily: a sampler may ask for more batches than fit in memory
        batches = itertools.islice(iter(self.batch_sampler), start, None)
        if self.num_workers == 0:
            return (self.collate_fn([self.dataset[i] for i in batch]) for batch in batches)
        return WorkerIterator(self, base_seed, batches, start, len(self) - start)
