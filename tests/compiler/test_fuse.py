"""Fused elementwise chains (wonderland/compiler/fuse.py): bit for bit the values of the steps
they replace, in float32 and float64, with infinities, NaN and signed zeros, values read after
the chain written out, and inputs of another layout at a replay run unfused."""
from __future__ import annotations

import numpy as np
import pytest

import wonderland as wl
from wonderland.compiler import fuse

N = fuse.FUSE_MIN_SIZE * 2


def _draw(dtype, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(N).astype(dtype)
    a[:6] = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30]  # IEEE's corners
    return wl.tensor(a)


def _plan(compiled):
    return next(iter(compiled._plans.values()))  # the first signature's


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_chain_is_bitwise_the_steps(dtype):
    def f(a, b, c):
        d = (a * b + c) / b - a * 0.5
        return d, -d * c, a - 3.0  # d is read after the chain: written out

    compiled = wl.compile(f)
    # (NumPy warns at inf - inf; the fused loop is silent, as PyTorch)
    with np.errstate(invalid="ignore", divide="ignore"):
        compiled(_draw(dtype, 0), _draw(dtype, 1), _draw(dtype, 2))
    plan = _plan(compiled)
    assert plan.fused() == 1 and len(plan.steps) < len(plan)
    chain = next(s for s in plan.steps if isinstance(s, fuse.FusedChain))
    assert len(chain.outputs) == 3 and len(chain.scalars) == 2
    xs = [_draw(dtype, s) for s in (3, 4, 5)]
    with np.errstate(invalid="ignore", divide="ignore"):
        pairs = list(zip(compiled(*xs), f(*xs)))
    for got, want in pairs:
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
        assert np.asarray(got).dtype == dtype


def test_another_layout_at_a_replay_runs_the_steps_unfused():
    def f(a, b):
        return a * b + a

    shape = (2, N // 2)
    compiled = wl.compile(f)
    a, b = wl.randn(*shape), wl.randn(*shape)
    compiled(a, b)
    assert _plan(compiled).fused() == 1
    t = wl.randn(*shape[::-1]).T  # the traced shape and strides differ: a new signature...
    np.testing.assert_array_equal(np.asarray(compiled(t, b)), np.asarray(f(t, b)))
    chain = next(s for s in _plan(compiled).steps if isinstance(s, fuse.FusedChain))
    env = [None] * 8
    for slot, x in zip(chain.arrays, (t, b)):  # ...so run the traced chain on it directly
        env[slot] = x._data
    chain.run(env)
    np.testing.assert_array_equal(env[chain.outputs[0]], np.asarray(f(t, b)))


def test_small_arrays_and_other_ops_are_not_fused():
    compiled = wl.compile(lambda a, b: (a * b + a).exp() * 2)
    compiled(wl.randn(100), wl.randn(100))
    assert _plan(compiled).fused() == 0
    compiled(wl.randn(N), wl.randn(N))  # a new signature: Mul, Add fused; exp ends the chain
    plans = list(compiled._plans.values())
    assert plans[1].fused() == 1  # and the Mul after exp, alone, stays a step


def test_a_long_chain_split_over_two_threads_gives_the_same_bits():
    n = fuse.SPLIT_MIN_SIZE + 1000  # not a multiple of the split's alignment
    a, b = wl.randn(n), wl.randn(n)
    compiled = wl.compile(lambda x, y: (x - y) * x + 0.25)
    before = wl.get_num_threads()
    wl.set_num_threads(2)
    try:
        compiled(a, b)
        assert _plan(compiled).fused() == 1
        got = compiled(a, b)
    finally:
        wl.set_num_threads(before)
    np.testing.assert_array_equal(np.asarray(got), np.asarray((a - b) * a + 0.25))
