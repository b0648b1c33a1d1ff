"""DataLoader: shapes and order, seeded shuffles, workers matching no workers, worker errors,
deaths and timeouts (each test bounded by a watchdog, so a regression fails instead of hanging)."""
import gc
import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

import wonderland as wl
from wonderland.data import DataLoader, Dataset, RandomSampler, TensorDataset


def _data(n=10):
    return TensorDataset(wl.tensor(np.arange(2 * n, dtype=np.float32).reshape(n, 2)),
                         wl.tensor(np.arange(n)))


def _labels(loader):
    return [b[1].numpy().tolist() for b in loader]


class Faulty(Dataset):
    """Index 7 raises."""

    def __len__(self):
        return 12

    def __getitem__(self, i):
        if i == 7:
            raise KeyError(f"bad sample {i}")
        return np.full(3, i, np.float64), i


@pytest.fixture(autouse=True)
def _watchdog():
    """Fail a test that runs past 60 s (a worker the loader waits on for ever) instead of
    blocking the suite; SIGALRM interrupts the main process's wait."""
    if not hasattr(signal, "SIGALRM"):  # pragma: no cover - Windows
        yield
        return

    def expire(signum, frame):
        raise TimeoutError("the test ran past its 60 s watchdog: the DataLoader hung")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


class Trap(Dataset):
    """Index 5 does `action`; the others give their index."""

    def __init__(self, action):
        self.action = action

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return self.action() if i == 5 else np.full(2, i)


def _stuck():
    time.sleep(120)


def _exit_3():
    os._exit(3)


def _killed():
    os.kill(os.getpid(), signal.SIGKILL)


def _sys_exit():
    sys.exit("the dataset gave up")


def test_shapes_order_and_len():
    loader = DataLoader(_data(), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [b[0].shape for b in batches] == [(4, 2), (4, 2), (2, 2)]
    assert batches[0][0].dtype == wl.float32 and batches[0][1].dtype == wl.int64
    assert _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    dl = DataLoader(_data(), batch_size=4, drop_last=True)
    assert len(dl) == 2 and _labels(dl) == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_shuffle_seeded_deterministic_and_varies():
    a = DataLoader(_data(), batch_size=3, shuffle=True, seed=0)
    e1, e2 = _labels(a), _labels(a)
    assert e1 != e2 and sorted(sum(e1, [])) == list(range(10))
    assert _labels(DataLoader(_data(), batch_size=3, shuffle=True, seed=0)) == e1
    assert _labels(DataLoader(_data(), batch_size=3, shuffle=True, seed=1)) != e1
    g = wl.Generator(0)
    assert _labels(DataLoader(_data(), batch_size=3, shuffle=True, generator=g)) == e1
    wl.manual_seed(3)
    c = _labels(DataLoader(_data(), batch_size=3, shuffle=True))
    wl.manual_seed(3)
    assert _labels(DataLoader(_data(), batch_size=3, shuffle=True)) == c


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_give_the_same_batches(workers):
    ref = DataLoader(_data(23), batch_size=4, shuffle=True, seed=5, num_workers=0)
    got = DataLoader(_data(23), batch_size=4, shuffle=True, seed=5, num_workers=workers,
                     prefetch_factor=1)
    for _ in range(2):  # two epochs: the generator advances the same way
        r, g = list(ref), list(got)
        assert len(r) == len(g) == 6
        for (rx, ry), (gx, gy) in zip(r, g):
            assert gx.dtype == rx.dtype and gy.dtype == ry.dtype
            np.testing.assert_array_equal(gx.numpy(), rx.numpy())
            np.testing.assert_array_equal(gy.numpy(), ry.numpy())


def test_worker_seeds_and_init_fn():
    class Rand(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return np.random.rand(1)

    a = [b.numpy().tolist() for b in DataLoader(Rand(), batch_size=2, num_workers=2, seed=1)]
    b = [b.numpy().tolist() for b in DataLoader(Rand(), batch_size=2, num_workers=2, seed=1)]
    assert a == b and a[0] != a[1]  # reproducible, and workers do not share a stream


def test_worker_error_names_worker_index_and_traceback():
    loader = DataLoader(Faulty(), batch_size=2, num_workers=2)
    with pytest.raises(RuntimeError) as info:
        list(loader)
    msg = str(info.value)
    assert "worker 1" in msg and "index 7" in msg  # batch 3 = [6, 7] goes to worker 3 % 2
    assert "KeyError" in msg and "bad sample 7" in msg and "Traceback" in msg
    assert "__getitem__" in msg


def test_workers_shut_down():
    loader = DataLoader(_data(40), batch_size=2, num_workers=2)
    it = iter(loader)
    next(it)
    procs = list(it.workers)
    del it
    gc.collect()
    for p in procs:
        p.join(timeout=3)
        assert not p.is_alive()
    it = iter(DataLoader(Faulty(), batch_size=2, num_workers=2))
    with pytest.raises(RuntimeError):
        list(it)
    assert not any(p.is_alive() for p in it.workers)
    it = iter(DataLoader(_data(), batch_size=5, num_workers=2))
    list(it)
    assert not any(p.is_alive() for p in it.workers)


def test_worker_init_fn_failure_is_reported():
    def init(worker_id):
        raise ValueError(f"init failed in {worker_id}")

    with pytest.raises(RuntimeError, match="worker_init_fn"):
        list(DataLoader(_data(), batch_size=2, num_workers=1, worker_init_fn=init))


def test_custom_collate_and_batch_sampler():
    dl = DataLoader(_data(), batch_size=3, collate_fn=lambda s: len(s))
    assert list(dl) == [3, 3, 3, 1]
    dl = DataLoader(_data(), batch_sampler=[[0, 9], [5]], collate_fn=lambda s: [int(x[1].numpy())
                                                                               for x in s])
    assert list(dl) == [[0, 9], [5]]


def test_bad_arguments():
    ds = _data()
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(ds, sampler=RandomSampler(ds), shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=4)
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="generator or seed"):
        DataLoader(ds, seed=1, generator=wl.Generator(1))


@pytest.mark.parametrize("workers", [0, 2])
def test_iter_from_continues_a_pass_from_the_same_random_state(workers):
    loader = DataLoader(_data(23), batch_size=4, shuffle=True, seed=5, num_workers=workers)
    state = loader.generator.get_state()
    full = [b[0].numpy() for b in loader]
    loader.generator.set_state(state)
    rest = [b[0].numpy() for b in loader.iter_from(4)]
    assert len(rest) == 2
    for a, b in zip(full[4:], rest):
        np.testing.assert_array_equal(a, b)
    assert list(loader.iter_from(len(loader))) == []
    with pytest.raises(ValueError, match="start must be a batch number in 0..6"):
        loader.iter_from(7)


def test_unpicklable_sample_raises_in_the_main_process():
    loader = DataLoader(Trap(threading.Lock), batch_size=2, num_workers=2,
                        collate_fn=lambda s: s)
    it = iter(loader)
    with pytest.raises(RuntimeError, match=r"worker 0 failed at dataset index 5: its sample "
                                           r"cannot be pickled") as info:
        list(it)
    assert "TypeError" in str(info.value) and "cannot pickle '_thread.lock'" in str(info.value)
    assert not any(p.is_alive() for p in it.workers)


@pytest.mark.parametrize("action, how", [(_exit_3, "exited with code 3"),
                                         (_killed, "was killed by signal SIGKILL")])
def test_a_worker_that_dies_is_named_with_its_batch(action, how):
    it = iter(DataLoader(Trap(action), batch_size=2, num_workers=2))
    # batch 0 may still have been waiting in the worker to be sent when it died
    with pytest.raises(RuntimeError, match=rf"worker 0 \(pid \d+\) {how} unexpectedly before "
                                           rf"delivering (batch 0 .*)?batch 2 \(dataset "
                                           rf"indices \[4, 5\]\)$"):
        list(it)
    assert not any(p.is_alive() for p in it.workers)


def test_sys_exit_in_the_dataset_comes_back_with_its_traceback():
    with pytest.raises(RuntimeError, match="worker 0 failed at dataset index 5 with SystemExit"
                       ) as info:
        list(DataLoader(Trap(_sys_exit), batch_size=2, num_workers=2))
    assert "Traceback" in str(info.value) and "the dataset gave up" in str(info.value)


def test_timeout_raises_on_a_stuck_worker():
    it = iter(DataLoader(Trap(_stuck), batch_size=2, num_workers=2, timeout=0.3))
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.3 seconds waiting for "
                                           r"batch 2 \(worker 0, dataset indices \[4, 5\]\)"):
        list(it)
    assert time.monotonic() - start < 20  # the 120 s sleep was cut short
    assert not any(p.is_alive() for p in it.workers)
    ok = DataLoader(_data(), batch_size=4, num_workers=1, timeout=30)  # a timeout that is met
    assert _labels(ok) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


@pytest.mark.parametrize("timeout", [-1, -0.5, float("nan"), "5", True])
def test_bad_timeouts(timeout):
    with pytest.raises(ValueError, match="timeout must be a non-negative number of seconds"):
        DataLoader(_data(), num_workers=1, timeout=timeout)


def test_timeout_needs_workers():
    with pytest.raises(ValueError, match="needs num_workers > 0"):
        DataLoader(_data(), timeout=1)


def test_pytorchs_arguments_in_pytorchs_order():
    data = TensorDataset(wl.arange(10))
    # positional as in torch.utils.data.DataLoader: ..., collate_fn, pin_memory, drop_last
    loader = DataLoader(data, 4, False, None, None, 0, None, True, True)
    assert [b[0].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    loader = DataLoader(data, batch_size=5, pin_memory=True, persistent_workers=True,
                        prefetch_factor=None, pin_memory_device="", shuffle=None)
    assert [b[0].tolist() for b in loader] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    with pytest.raises(ValueError, match="in_order=False"):
        DataLoader(data, in_order=False)


def test_a_sampler_of_ten_billion_draws_is_lazy():
    # minGPT's trainer: RandomSampler(replacement=True, num_samples=int(1e10)), an endless pass
    data = TensorDataset(wl.arange(7))
    sampler = RandomSampler(data, replacement=True, num_samples=int(1e10))
    loader = DataLoader(data, batch_size=3, sampler=sampler)
    assert len(loader) == -(-int(1e10) // 3)
    start = time.perf_counter()
    it = iter(loader)
    batches = [next(it)[0].tolist() for _ in range(5)]
    assert time.perf_counter() - start < 5  # not drawing 1e10 indices first
    assert all(len(b) == 3 and all(0 <= i < 7 for i in b) for b in batches)


def test_lazy_draws_are_fixed_when_the_pass_begins():
    data = TensorDataset(wl.arange(5))
    wl.manual_seed(3)
    first = list(RandomSampler(data, replacement=True, num_samples=20))
    wl.manual_seed(3)
    it = iter(RandomSampler(data, replacement=True, num_samples=20))
    wl.randn(100)  # drawing elsewhere after the pass began changes nothing
    assert list(it) == first
    wl.manual_seed(3)
    more = list(RandomSampler(data, num_samples=12))  # without replacement, past one permutation
    assert sorted(more[:5]) == sorted(more[5:10]) == [0, 1, 2, 3, 4] and len(more) == 12
