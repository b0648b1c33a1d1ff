"""Datasets, random_split, samplers and collation (lengths checked against PyTorch)."""
import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import wonderland as wl
from wonderland.data import (
    BatchSampler,
    ConcatDataset,
    DistributedSampler,
    RandomSampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    random_split,
)


def test_tensor_dataset_subset_concat():
    x = wl.tensor(np.arange(12.0).reshape(6, 2))
    y = wl.tensor(np.arange(6))
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[4]
    assert xi.numpy().tolist() == [8.0, 9.0] and int(yi.numpy()) == 4
    sub = Subset(ds, [5, 0])
    assert len(sub) == 2 and int(sub[0][1].numpy()) == 5
    cat = ConcatDataset([sub, ds])
    assert len(cat) == 8 and int(cat[2][1].numpy()) == 0 and int(cat[-1][1].numpy()) == 5
    assert len(sub + ds) == 8
    with pytest.raises(IndexError):
        cat[8]
    with pytest.raises(ValueError, match="same first dimension"):
        TensorDataset(x, wl.tensor(np.arange(5)))


@pytest.mark.parametrize("n,lengths", [(10, [0.3, 0.7]), (11, [0.5, 0.5]),
                                       (7, [0.2, 0.2, 0.6]), (10, [3, 7]), (5, [1.0])])
def test_random_split_lengths_match_torch(n, lengths):
    ours = [len(s) for s in random_split(list(range(n)), lengths, generator=wl.Generator(0))]
    ref = [len(s) for s in tud.random_split(list(range(n)), lengths,
                                            generator=torch.Generator().manual_seed(0))]
    assert ours == ref


def test_random_split_is_a_seeded_partition():
    a = random_split(list(range(20)), [0.25, 0.75], generator=wl.Generator(3))
    b = random_split(list(range(20)), [0.25, 0.75], generator=wl.Generator(3))
    c = random_split(list(range(20)), [0.25, 0.75], generator=wl.Generator(4))
    assert [s.indices for s in a] == [s.indices for s in b] != [s.indices for s in c]
    assert sorted(a[0].indices + a[1].indices) == list(range(20))


def test_random_split_bad_arguments():
    with pytest.raises(ValueError, match="sum to 1"):
        random_split(list(range(10)), [0.3, 0.3])
    with pytest.raises(ValueError, match="sum to"):
        random_split(list(range(10)), [3, 3])
    with pytest.raises(ValueError, match="non-negative"):
        random_split(list(range(10)), [-1, 11])


def test_random_sampler_seeded_and_epochs_differ():
    g = wl.Generator(0)
    s = RandomSampler(range(50), generator=g)
    e1, e2 = list(s), list(s)
    assert sorted(e1) == list(range(50)) and e1 != e2
    assert list(RandomSampler(range(50), generator=wl.Generator(0))) == e1
    wl.manual_seed(5)
    a = list(RandomSampler(range(50)))
    wl.manual_seed(5)
    assert list(RandomSampler(range(50))) == a
    r = list(RandomSampler(range(5), replacement=True, num_samples=30, generator=g))
    assert len(r) == 30 and set(r) <= set(range(5))
    assert len(list(RandomSampler(range(5), num_samples=12, generator=g))) == 12
    with pytest.raises(ValueError):
        RandomSampler(range(5), num_samples=0)


def test_weighted_sampler_frequencies():
    w = [0.1, 0.2, 0.3, 0.4]
    s = WeightedRandomSampler(w, 20000, generator=wl.Generator(1))
    counts = collections.Counter(s)
    freq = np.array([counts[i] for i in range(4)]) / 20000
    np.testing.assert_allclose(freq, w, atol=0.015)
    assert list(WeightedRandomSampler(w, 50, generator=wl.Generator(1))) == \
        list(WeightedRandomSampler(w, 50, generator=wl.Generator(1)))
    no_rep = list(WeightedRandomSampler(w, 4, replacement=False, generator=wl.Generator(2)))
    assert sorted(no_rep) == [0, 1, 2, 3]
    with pytest.raises(ValueError):
        WeightedRandomSampler([1.0, -1.0], 3)
    with pytest.raises(ValueError):
        WeightedRandomSampler([1.0, 0.0], 2, replacement=False)


@pytest.mark.parametrize("n,bs,drop", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, True)])
def test_batch_sampler_matches_torch(n, bs, drop):
    ours = list(BatchSampler(SequentialSampler(range(n)), bs, drop))
    ref = list(tud.BatchSampler(tud.SequentialSampler(range(n)), bs, drop))
    assert ours == ref and len(BatchSampler(range(n), bs, drop)) == len(ref)
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(n), 0, drop)


@pytest.mark.parametrize("n,world,drop", [(10, 3, False), (10, 3, True), (2, 4, False),
                                          (12, 4, False), (11, 4, True)])
def test_distributed_sampler_partitions_like_torch(n, world, drop):
    ours = [list(DistributedSampler(range(n), world, r, shuffle=False, drop_last=drop))
            for r in range(world)]
    ref = [list(tud.DistributedSampler(range(n), world, r, shuffle=False, drop_last=drop))
           for r in range(world)]
    assert ours == ref
    shuffled = [DistributedSampler(range(n), world, r, shuffle=True, seed=7, drop_last=drop)
                for r in range(world)]
    got = [list(s) for s in shuffled]
    assert all(len(g) == len(s) for g, s in zip(got, shuffled))
    flat = sum(got, [])
    if n >= world * len(got[0]):  # no padding: no index is seen twice
        assert len(set(flat)) == len(flat)
    if not drop:
        assert set(flat) == set(range(n))
    for s in shuffled:
        s.set_epoch(1)
    assert [list(s) for s in shuffled] != got or n <= 2
    with pytest.raises(ValueError, match="rank"):
        DistributedSampler(range(n), world, world)


def test_default_collate_nested():
    samples = [{"x": np.full((2,), i, np.float32), "y": i, "pair": (float(i), wl.tensor([i, i])),
                "name": f"s{i}"} for i in range(3)]
    b = default_collate(samples)
    assert b["x"].shape == (3, 2) and b["x"].dtype == wl.float32
    assert b["y"].dtype == wl.int64 and b["y"].numpy().tolist() == [0, 1, 2]
    assert b["pair"][0].dtype == wl.float64 and isinstance(b["pair"], tuple)
    assert b["pair"][1].numpy().tolist() == [[0, 0], [1, 1], [2, 2]]
    assert b["name"] == ["s0", "s1", "s2"]
    lst = default_collate([[1, True], [2, False]])
    assert isinstance(lst, list) and lst[1].dtype == wl.bool
    with pytest.raises(RuntimeError, match="different shapes"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError):
        default_collate([object(), object()])
