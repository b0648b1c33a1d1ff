"""wl.compile on every op-spec row: the replay of a row's function (traced on one draw of its
inputs, replayed on another) equals the eager function on the second draw, bit for bit (the
same forwards run in the same order); and so does the replay of its gradient (wl.func.grad of
the sum of its output). A row whose trace is refused runs eagerly, and equals it too."""
from __future__ import annotations

import numpy as np
import pytest

import wonderland as wl

from ..ops.specs import ALL_SPECS

ROWS = [pytest.param(s, id=s.name) for s in ALL_SPECS]


def _same(actual, expected) -> None:
    a, e = np.asarray(actual), np.asarray(expected)
    assert a.dtype == e.dtype and a.shape == e.shape
    np.testing.assert_array_equal(a, e)


def _draws(spec):
    first, second = spec.arrays(0), spec.arrays(1)
    return [wl.tensor(a) for a in first], [wl.tensor(a) for a in second]


@pytest.mark.parametrize("spec", ROWS)
def test_forward_replays_as_eager(spec):
    first, second = _draws(spec)
    compiled = wl.compile(spec.fn)
    with wl.no_grad():
        _same(compiled(*first), spec.fn(*first))  # the trace itself runs eagerly
        _same(compiled(*second), spec.fn(*second))


@pytest.mark.parametrize("spec", [r for r in ROWS if r.values[0].diff_indices(
    r.values[0].arrays())])
def test_gradient_replays_as_eager(spec):
    first, second = _draws(spec)
    diff = spec.diff_indices(spec.arrays())

    def gradient(*xs):
        def total(*wrt):
            args = list(xs)
            for i, w in zip(diff, wrt):
                args[i] = w
            return spec.fn(*args).sum()
        return wl.func.grad(total, argnums=tuple(range(len(diff))))(*[xs[i] for i in diff])

    compiled = wl.compile(gradient)
    for xs in (first, second):
        for a, e in zip(compiled(*xs), gradient(*xs)):
            _same(a, e)
