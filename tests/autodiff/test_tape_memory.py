"""The tape's lifetime: a 100,000-op chain backpropagates without recursion, and memory returns
to its baseline after backward (tracemalloc sees NumPy's allocations), without relying on the
cycle collector."""
import gc
import math
import time
import tracemalloc

import numpy as np
import pytest

import wonderland as wl


def test_long_chain_has_no_recursion_limit():
    n, c = 100_000, 1.00001
    x = wl.tensor(1.5, dtype=wl.float64, requires_grad=True)
    h = x
    for _ in range(n):
        h = h * c
    start = time.perf_counter()
    h.backward(retain_graph=True)
    assert time.perf_counter() - start < 15.0
    np.testing.assert_allclose(x.grad.item(), c ** n, rtol=1e-9)
    np.testing.assert_allclose(h.item(), 1.5 * c ** n, rtol=1e-9)
    del h  # tearing down the retained long graph must not overflow the stack either


N = 1_000_000
MB8 = N * 8


def _graph(x):
    h = x
    for _ in range(5):
        h = (h * 1.0001).sin()
    return h.sum()  # 10 ops, each output an 8 MB array kept for the backward pass


@pytest.fixture
def traced():
    """Traced memory (NumPy reports its buffers to tracemalloc) with the cycle collector off,
    so that only reference counting can free what is asserted freed."""
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        yield lambda: tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        gc.enable()


def test_memory_returns_to_baseline_after_backward(traced):
    x = wl.tensor(np.random.default_rng(0).random(N), requires_grad=True)
    base = traced()
    loss = _graph(x)
    assert traced() - base > 8 * MB8  # the graph holds its intermediate values
    loss.backward()
    assert traced() - base < 1.5 * MB8  # backward freed them; only .grad is left ...
    del loss
    assert 0.9 * MB8 < traced() - base < 1.2 * MB8  # ... and it is about one array
    x.grad = None
    assert traced() - base < 0.1 * MB8


def test_retained_graph_lives_until_the_loss_is_dropped(traced):
    x = wl.tensor(np.random.default_rng(0).random(N), requires_grad=True)
    base = traced()
    loss = _graph(x)
    loss.backward(retain_graph=True)
    assert traced() - base > 8 * MB8
    del loss
    assert traced() - base < 1.2 * MB8


def test_dropping_an_unused_graph_frees_it_without_the_cycle_collector(traced):
    x = wl.tensor(np.random.default_rng(0).random(N), requires_grad=True)
    base = traced()
    loss = _graph(x)
    assert traced() - base > 8 * MB8
    del loss
    assert traced() - base < 0.1 * MB8


def test_grad_frees_the_graph_too(traced):
    x = wl.tensor(np.random.default_rng(0).random(N), requires_grad=True)
    base = traced()
    (g,) = wl.autograd.grad(_graph(x), x)
    assert 0.9 * MB8 < traced() - base < 1.2 * MB8
    np.testing.assert_allclose(g.numpy()[:3], _manual_grad(x.detach().numpy()[:3]))
    assert math.isfinite(float(g.numpy().sum()))


def _manual_grad(a):
    """d/dx of five rounds of h -> sin(1.0001 h), by the chain rule in NumPy."""
    g, h = np.ones_like(a), a
    for _ in range(5):
        g = g * 1.0001 * np.cos(1.0001 * h)
        h = np.sin(1.0001 * h)
    return g


