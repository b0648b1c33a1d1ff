"""Data-parallel training of a recipe over MPI ranks (`wonderland train --nproc N`): what the
Trainer needs to know of its rank. Every rank walks the same batches and takes its slice of
each, the model is wrapped in DistributedDataParallel, and each rank's loss is weighted by its
share of the batch, so N ranks step exactly as one process on the whole batches. Rank 0 alone
logs, plots and writes checkpoints; every rank reads a checkpoint to resume."""
from __future__ import annotations

import numpy as np

from ..data import BatchShardSampler, DataLoader
from .metrics import RunningMean


class DataParallel:
    """This process's rank in an initialized process group, and the collectives a training
    loop needs: shard a loader, agree on each step, sum running means over the ranks."""

    def __init__(self) -> None:
        from .. import distributed as dist

        if not dist.is_initialized():
            raise RuntimeError("DataParallel needs wonderland.distributed.init_process_group() "
                               "first (wonderland train --nproc N starts the ranks)")
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        self.main = self.rank == 0

    def wrap(self, model):
        """The model as DistributedDataParallel: rank 0's weights everywhere, gradients
        averaged during backward."""
        from ..nn.parallel import DistributedDataParallel

        return DistributedDataParallel(model)

    def shard(self, loader: DataLoader, train: bool) -> DataLoader:
        """A loader of this rank's slice of each of `loader`'s batches, drawn with its own
        generator (so resuming mid-epoch works as in one process). A training batch smaller
        than the number of ranks is skipped: a rank with no examples has no mean loss."""
        if loader.batch_size is not None and train and loader.batch_size < self.world:
            raise ValueError(f"data-parallel training: batch_size {loader.batch_size} is "
                             f"smaller than the {self.world} ranks it is split over")
        shards = BatchShardSampler(loader.batch_sampler, self.world, self.rank,
                                   min_size=self.world if train else 1)
        return DataLoader(loader.dataset, batch_sampler=shards, num_workers=loader.num_workers,
                          collate_fn=loader.collate_fn, generator=loader.generator,
                          timeout=loader.timeout, worker_init_fn=loader.worker_init_fn,
                          prefetch_factor=loader.prefetch_factor)

    def agree(self, n: int, interrupted: bool) -> tuple[int, bool]:
        """One all-reduce before each step: the batch's total size over the ranks, and whether
        any rank has seen Ctrl-C (so that every rank stops after the same step)."""
        totals = self._sum(np.array([n, int(interrupted)], dtype=np.float64))
        return int(totals[0]), bool(totals[1])

    def sum_means(self, means: RunningMean, keys) -> RunningMean:
        """The running means of every rank's batches together, for `keys` (the same list on
        every rank: a rank whose shards were all empty has no keys of its own)."""
        keys = list(keys)
        totals = self._sum(np.array([means.count, *(means.sums.get(k, 0.0) for k in keys)],
                                    dtype=np.float64))
        out = RunningMean()
        out.count = int(totals[0])
        out.sums = dict(zip(keys, totals[1:].tolist()))
        return out

    @staticmethod
    def _sum(values: np.ndarray) -> np.ndarray:
        from .. import distributed as dist
        from ..core.tensor import Tensor

        t = Tensor._make(values)
        dist.all_reduce(t)
        return np.asarray(t._data)


def join(nproc: int) -> DataParallel:
    """In a rank of `wonderland train --nproc N`: join the process group (checking that mpiexec
    started N ranks) and return this rank's DataParallel."""
    from .. import distributed as dist
    from .settings import UsageError

    dist.init_process_group("mpi")
    if dist.get_world_size() != nproc:
        raise UsageError(f"--nproc {nproc}, but mpiexec started {dist.get_world_size()} "
                         f"processes")
    return DataParallel()


__all__ = ["DataParallel", "join"]
