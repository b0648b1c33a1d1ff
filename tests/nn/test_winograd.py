"""Winograd convolution F(2x2, 3x3) and F(4x4, 3x3) against torch's conv2d: values, input and
weight gradients (float64, odd sizes, padding, bias), and the float32 rounding error of each
against the direct convolution's, relative to a float64 reference (F(4x4) loses more)."""
import sys

import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.functional import conv_autotune
from wonderland.nn import functional as F

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("tile", [2, 4])
@pytest.mark.parametrize("n,c,h,w,k,padding", [(2, 3, 8, 8, 4, 1), (1, 2, 7, 9, 3, 0),
                                                (2, 4, 5, 6, 5, 1), (1, 1, 3, 3, 1, 0)])
def test_matches_torch_conv2d_with_gradients(tile, n, c, h, w, k, padding):
    x, wt, b = RNG.normal(size=(n, c, h, w)), RNG.normal(size=(k, c, 3, 3)), RNG.normal(size=k)
    ours = [wl.tensor(a, requires_grad=True) for a in (x, wt, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, wt, b)]
    out = F.conv2d_winograd(*ours, padding=padding, tile=tile)
    want = torch.nn.functional.conv2d(*theirs, padding=padding)
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), atol=1e-12)
    g = RNG.normal(size=tuple(want.shape))
    grads = wl.autograd.grad(out, ours, wl.tensor(g))
    want.backward(torch.tensor(g))
    for got, t in zip(grads, theirs):
        np.testing.assert_allclose(got.numpy(), t.grad.numpy(), atol=1e-11)


def test_float32_error_against_the_direct_convolution():
    x, wt = RNG.normal(size=(4, 32, 16, 16)), RNG.normal(size=(32, 32, 3, 3)) / 10
    exact = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(wt), padding=1).numpy()
    x32, w32 = wl.tensor(x.astype(np.float32)), wl.tensor(wt.astype(np.float32))
    scale = np.abs(exact).max()
    direct = np.abs(F.conv2d(x32, w32, padding=1).numpy() - exact).max() / scale
    f2, f4 = (np.abs(F.conv2d_winograd(x32, w32, padding=1, tile=t).numpy() - exact).max()
              / scale for t in (2, 4))
    assert f2 < 4 * direct  # F(2x2): the direct convolution's accuracy, give or take
    assert f2 < f4 < 100 * direct  # F(4x4): larger transform entries, more rounding


def test_errors():
    x, w = wl.ones(1, 2, 5, 5), wl.ones(3, 2, 3, 3)
    with pytest.raises(ValueError, match="tile must be 2 or 4"):
        F.conv2d_winograd(x, w, tile=3)
    with pytest.raises(ValueError, match="a 3x3 weight"):
        F.conv2d_winograd(x, wl.ones(3, 2, 5, 5))
    with pytest.raises(ValueError, match="smaller than the 3x3 kernel"):
        F.conv2d_winograd(wl.ones(1, 2, 2, 2), w)
    with pytest.raises(ValueError, match="padding must be a non-negative integer"):
        F.conv2d_winograd(x, w, padding=-1)


@pytest.fixture
def benchmark_on():
    wl.backends.cudnn.benchmark = True
    yield
    wl.backends.cudnn.benchmark = False
    conv_autotune.reset()


@pytest.mark.parametrize("faster", ["winograd", "im2col"])
def test_benchmark_mode_runs_the_faster_algorithm(benchmark_on, monkeypatch, faster):
    """wl.backends.cudnn.benchmark: the first call of a shape times both (here a fake timer
    decides), later calls run the winner, with its values and gradients."""
    timed = []

    def fake_time(x, weight, padding):
        timed.append((tuple(x.shape), padding))
        return {"im2col": 2.0, "winograd": 1.0} if faster == "winograd" else \
            {"im2col": 1.0, "winograd": 2.0}

    monkeypatch.setattr(conv_autotune, "_time", fake_time)
    calls = []
    real = F.conv2d_winograd
    monkeypatch.setattr(sys.modules["wonderland.functional.conv"], "conv2d_winograd",
                        lambda *a, **k: calls.append(k) or real(*a, **k))
    x, w, b = (RNG.normal(size=s) for s in [(2, 3, 6, 5), (4, 3, 3, 3), (4,)])
    ours = [wl.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    for _ in range(2):
        out = F.conv2d(*ours, padding=1)
    want = torch.nn.functional.conv2d(*theirs, padding=1)
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), atol=1e-12)
    out.sum().backward()
    want.sum().backward()
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), atol=1e-11)
    assert timed == [((2, 3, 6, 5), 1)]  # timed once per shape
    assert calls == ([{"padding": 1, "tile": 2}] * 2 if faster == "winograd" else [])
    F.conv2d(wl.tensor(x), wl.tensor(w), stride=2)  # strided: not a candidate, never timed
    assert len(timed) == 1


def test_benchmark_mode_times_both_for_real(benchmark_on):
    x, w = wl.tensor(RNG.normal(size=(2, 4, 8, 8))), wl.tensor(RNG.normal(size=(4, 4, 3, 3)))
    F.conv2d(x, w, padding=1)
    (key, seconds), = conv_autotune.choices().items()
    assert key == ((2, 4, 8, 8), (4, 4, 3, 3), "float64", 1)
    assert set(seconds) == {"im2col", "winograd"} and all(s > 0 for s in seconds.values())
