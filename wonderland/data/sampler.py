"""Samplers: which dataset indices to visit and in what order (sequential, random, weighted,
in batches, or one rank's share of a distributed run)."""
from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from ..core.random import Generator, default_generator


class Sampler:
    """Base class: an iterable of dataset indices with a length."""

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError


def _rng(generator: Generator | None) -> np.random.Generator:
    """With no generator, a fresh stream seeded from the default one (so wl.manual_seed fixes
    the order, and each pass draws a new one)."""
    if generator is not None:
        return generator.np
    return np.random.default_rng(int(default_generator.np.integers(2**63)))


def _lazily(draw: Callable[[int], np.ndarray], total: int, chunk: int) -> Iterator[int]:
    """`total` indices from draw(m), asked for `chunk` at a time as they are used."""
    done = 0
    while done < total:
        m = min(chunk, total - done)
        yield from draw(m).tolist()
        done += m


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation (or `num_samples` draws with replacement); each pass differs."""

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator: Generator | None = None) -> None:
        if num_samples is not None and (not isinstance(num_samples, int) or num_samples <= 0):
            raise ValueError(f"num_samples must be a positive integer, got {num_samples!r}")
        self.data_source, self.replacement = data_source, bool(replacement)
        self._num_samples, self.generator = num_samples, generator

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, rng, k = len(self.data_source), _rng(self.generator), self.num_samples
        if not self.replacement and k <= n:
            return iter(rng.permutation(n)[:k].tolist())
        # num_samples may be huge (minGPT asks for 1e10 draws, a pass that never ends): the
        # draws come lazily, in chunks, from a stream whose seed is drawn now, when the pass begins
        stream = np.random.default_rng(int(rng.integers(2**63)))
        if self.replacement:
            return _lazily(lambda m: stream.integers(0, n, size=m), k, 4096)
        return _lazily(lambda m: stream.permutation(n)[:m], k, n)

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order."""

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices, self.generator = list(indices), generator

    def __iter__(self) -> Iterator[int]:
        order = _rng(self.generator).permutation(len(self.indices))
        return (self.indices[i] for i in order)

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices drawn with probability proportional to `weights`."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        w = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights, np.float64)
        if w.ndim != 1 or (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise ValueError("weights must be a 1-D sequence of non-negative finite numbers "
                             "with a positive sum")
        if not isinstance(num_samples, int) or num_samples <= 0:
            raise ValueError(f"num_samples must be a positive integer, got {num_samples!r}")
        if not replacement and num_samples > int((w > 0).sum()):
            raise ValueError("without replacement, num_samples cannot exceed the number of "
                             "non-zero weights")
        self.weights, self.num_samples = w, num_samples
        self.replacement, self.generator = bool(replacement), generator

    def __iter__(self) -> Iterator[int]:
        p = self.weights / self.weights.sum()
        idx = _rng(self.generator).choice(len(p), self.num_samples, self.replacement, p)
        return iter(idx.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of `batch_size` (the last one may be short
    unless `drop_last`)."""

    def __init__(self, sampler, batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, bool(drop_last)

    def __iter__(self) -> Iterator[list[int]]:
        return self._batches(iter(self.sampler))  # the sampler draws now, not at the first batch

    def _batches(self, indices: Iterator[int]) -> Iterator[list[int]]:
        batch = []
        for i in indices:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


class DistributedSampler(Sampler):
    """One rank's share of the indices: every rank sees the same (seed + epoch) shuffle and takes
    every num_replicas-th index from `rank`, padded by wrapping around (or trimmed with
    drop_last) so that all ranks get the same count. Call set_epoch(e) before each epoch."""

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None:
            num_replicas = int(os.environ.get("WORLD_SIZE", 1))
        if rank is None:
            rank = int(os.environ.get("RANK", 0))
        if num_replicas <= 0:
            raise ValueError(f"num_replicas must be positive, got {num_replicas}")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"rank must be in [0, {num_replicas - 1}], got {rank}")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, int(seed), drop_last, 0
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch: int) -> None:
        """Choose the epoch, so that each epoch's shuffle differs but agrees across ranks."""
        self.epoch = int(epoch)

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            rng = np.random.default_rng(self.seed + self.epoch)
            indices = rng.permutation(n).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            pad = self.total_size - len(indices)
            if pad > 0:
                indices += (indices * math.ceil(pad / max(len(indices), 1)))[:pad]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples


class BatchShardSampler(Sampler):
    """One rank's share of each batch of another batch sampler: every rank walks the same
    batches (the same generator, the same order) and takes the rank-th of `num_replicas`
    contiguous slices of each (their sizes differ by at most one). Data-parallel
    training over these shards steps exactly as one process over the whole batches. Batches
    with fewer than `min_size` examples are skipped on every rank alike (training sets
    min_size = num_replicas, so that no rank gets an empty share)."""

    def __init__(self, batch_sampler, num_replicas: int, rank: int, min_size: int = 1) -> None:
        if num_replicas <= 0 or not 0 <= rank < num_replicas:
            raise ValueError(f"BatchShardSampler: rank must be in [0, {num_replicas - 1}] of "
                             f"num_replicas={num_replicas}, got rank {rank}")
        self.batch_sampler, self.num_replicas, self.rank = batch_sampler, num_replicas, rank
        self.min_size = min_size

    def __iter__(self) -> Iterator[list[int]]:
        return self._shares(iter(self.batch_sampler))  # the order is drawn now, as BatchSampler's

    def _shares(self, batches: Iterator[list[int]]) -> Iterator[list[int]]:
        k = self.num_replicas
        for batch in batches:
            if len(batch) >= self.min_size:
                n = len(batch)
                yield list(batch[self.rank * n // k:(self.rank + 1) * n // k])

    def __len__(self) -> int:
        n = len(self.batch_sampler)
        last = getattr(self.batch_sampler, "batch_size", None)
        if last is None:  # a batch sampler of unknown sizes: count by walking it
            return sum(1 for b in self.batch_sampler if len(b) >= self.min_size)
        short = len(self.batch_sampler.sampler) % last  # BatchSampler: only the last is short
        skipped = short and not self.batch_sampler.drop_last and short < self.min_size
        return n - int(bool(skipped))
