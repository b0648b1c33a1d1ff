"""wl.set_num_threads / get_num_threads and the pool the CPU kernels split their work over
(backend/threads.py): every item runs once, errors reach the caller, nesting and forked children
run serially or on a fresh pool, the BLAS is held to one thread while the pool is in use and
given back for large products, and the convolutions give the same values on 1 and 2 threads."""
import multiprocessing
import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import wonderland as wl
from wonderland.backend import threads
from wonderland.ops import conv_kernels


@pytest.fixture
def two_threads():
    before = wl.get_num_threads()
    wl.set_num_threads(2)
    yield
    wl.set_num_threads(before)


def _blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_the_blas_runs_on_one_thread_once_the_pool_has_run(two_threads):
    threads.parallel_for([0, 1], lambda i, w: None)
    assert wl.get_num_threads() == 2 and set(_blas_threads()) == {1}
    wl.set_num_threads(1)
    assert wl.get_num_threads() == 1 and set(_blas_threads()) == {1}
    wl.set_num_threads(2)  # the pool's two threads, the BLAS still one
    assert wl.get_num_threads() == 2 and set(_blas_threads()) == {1}


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_set_num_threads_refuses_what_is_not_a_positive_int(bad):
    with pytest.raises(ValueError, match="set_num_threads: expected a positive int"):
        wl.set_num_threads(bad)


def test_parallel_for_runs_every_item_once_on_both_threads(two_threads):
    seen, names, lock = [], set(), threading.Lock()

    def work(item, worker):
        with lock:
            seen.append((item, worker))
            names.add(threading.current_thread().name)
        assert _blas_threads() == [1] * len(_blas_threads())  # the BLAS held to one thread

    threads.parallel_for(list(range(7)), work)
    assert sorted(i for i, _ in seen) == list(range(7))
    assert {w for _, w in seen} == {0, 1} and len(names) == 2


def test_parallel_for_raises_the_error_of_an_item(two_threads):
    def work(item, worker):
        if item == 3:
            raise KeyError("item three")

    with pytest.raises(KeyError, match="item three"):
        threads.parallel_for(list(range(4)), work)
    done = []
    threads.parallel_for(list(range(4)), lambda i, w: done.append(i))  # the pool still works
    assert sorted(done) == [0, 1, 2, 3]


def test_nested_parallel_for_runs_serially_inside(two_threads):
    inner = []

    def outer(item, worker):
        threads.parallel_for([item, item + 10], lambda i, w: inner.append((i, w)))

    threads.parallel_for([0, 1], outer)
    assert sorted(inner) == [(0, 0), (1, 0), (10, 0), (11, 0)]


def test_a_large_product_gives_the_blas_its_threads_back(two_threads):
    """After a convolution the BLAS runs on one thread; a small product (a CNN's head) leaves it
    so, a large one (an MLP's layer) gives it back its threads, and the next convolution takes
    them again."""
    conv = wl.nn.functional.conv2d
    x, w = wl.randn(64, 16, 28, 28), wl.randn(16, 16, 3, 3)  # chunks for both threads
    conv(x, w, padding=1)
    assert set(_blas_threads()) == {1}
    wl.randn(16, 32) @ wl.randn(32, 10)
    assert set(_blas_threads()) == {1}
    big = wl.randn(256, 256)
    np.testing.assert_allclose((big @ big).numpy(), big.numpy() @ big.numpy(), rtol=1e-5)
    assert set(_blas_threads()) == {2}
    conv(x, w, padding=1)
    assert set(_blas_threads()) == {1}


def _child(queue):
    out = []
    threads.parallel_for(list(range(4)), lambda i, w: out.append(i))
    queue.put(sorted(out))


def test_a_forked_child_gets_a_pool_of_its_own(two_threads):
    threads.parallel_for(list(range(4)), lambda i, w: None)  # the parent's pool exists
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child, args=(queue,))
    child.start()
    assert queue.get(timeout=60) == [0, 1, 2, 3]
    child.join(timeout=60)
    assert child.exitcode == 0


def test_convolutions_agree_on_one_and_two_threads(monkeypatch):
    """Many chunks (small ones), so that both threads take several: the forward and the input
    gradient write disjoint parts (the same values bit for bit); the weight gradient sums one
    partial per thread (the same to rounding)."""
    monkeypatch.setattr(conv_kernels, "CHUNK_BYTES", 4096)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((9, 4, 7, 6)).astype(np.float32)
    w = rng.standard_normal((5, 4, 3, 3)).astype(np.float32)
    g = rng.standard_normal((9, 5, 7, 6)).astype(np.float32)
    geometry = ((1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    strided = ((2, 2), ((1, 1), (1, 1)), (1, 1), 1)
    g2 = rng.standard_normal((9, 5, 4, 3)).astype(np.float32)
    before = wl.get_num_threads()
    results = {}
    try:
        for n in (1, 2):
            wl.set_num_threads(n)
            results[n] = (conv_kernels.conv_forward(np, x, w, None, *geometry),
                          conv_kernels.conv_input_grad(np, w, g, (7, 6), *geometry),
                          conv_kernels.conv_input_grad(np, w, g2, (7, 6), *strided),
                          conv_kernels.conv_weight_grad(np, x, g, (3, 3), *geometry))
    finally:
        wl.set_num_threads(before)
    for a, b in zip(results[1][:3], results[2][:3]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(results[1][3], results[2][3], rtol=1e-5, atol=1e-5)
