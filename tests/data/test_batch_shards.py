"""BatchShardSampler: every rank's slices of one batch sampler's batches put back together are
those batches, in order; batches smaller than min_size are skipped on every rank alike."""
import pytest

from wonderland.core.random import Generator
from wonderland.data import BatchSampler, BatchShardSampler, RandomSampler, SequentialSampler


@pytest.mark.parametrize("n,batch,world,drop_last", [(37, 10, 2, False), (37, 10, 3, False),
                                                     (32, 8, 3, False), (41, 10, 3, False),
                                                     (41, 10, 3, True), (5, 10, 2, False)])
def test_shards_put_together_are_the_batches(n, batch, world, drop_last):
    def batches():  # a fresh generator each time: every rank draws the same order
        return BatchSampler(RandomSampler(range(n), generator=Generator(7)), batch, drop_last)

    whole = [b for b in batches() if len(b) >= world]
    shards = [list(BatchShardSampler(batches(), world, r, min_size=world)) for r in range(world)]
    assert [len(s) for s in shards] == [len(whole)] * world
    assert [len(BatchShardSampler(batches(), world, r, min_size=world))
            for r in range(world)] == [len(whole)] * world
    for i, b in enumerate(whole):
        parts = [s[i] for s in shards]
        assert sum(parts, []) == b  # contiguous slices, in rank order
        assert max(map(len, parts)) - min(map(len, parts)) <= 1


def test_short_last_batch_is_skipped_only_when_below_min_size():
    batches = BatchSampler(SequentialSampler(range(21)), 10, False)  # 10, 10, 1
    assert len(list(BatchShardSampler(batches, 2, 0, min_size=2))) == 2
    assert len(BatchShardSampler(batches, 2, 0, min_size=2)) == 2
    evaluation = list(BatchShardSampler(batches, 2, 0))  # min_size 1: rank 0's share is empty
    assert evaluation == [[0, 1, 2, 3, 4], [10, 11, 12, 13, 14], []]
    assert list(BatchShardSampler(batches, 2, 1))[2] == [20]
    assert len(BatchShardSampler(batches, 2, 0)) == 3


def test_bad_rank_is_refused():
    with pytest.raises(ValueError, match="rank must be in"):
        BatchShardSampler(BatchSampler(range(4), 2, False), 2, 2)


def test_the_order_is_drawn_when_the_pass_begins():
    """As BatchSampler's: a resumed run sets the generator to the pass's saved state, starts the
    pass, and moves the generator on before the first batch is taken."""
    def shards(gen):
        return BatchShardSampler(BatchSampler(RandomSampler(range(20), generator=gen), 5, False),
                                 2, 0)

    expected = list(shards(Generator(3)))
    gen = Generator(3)
    started = iter(shards(gen))
    gen.manual_seed(99)
    assert list(started) == expected
