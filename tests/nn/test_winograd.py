"""Winograd convolution F(2x2, 3x3) and F(4x4, 3x3) against torch's conv2d: values, input and
weight gradients (float64, odd sizes, padding, bias), and the float32 rounding error of each
against the direct convolution's, relative to a float64 reference (F(4x4) loses more)."""
import numpy as np
import pytest
import torch

import wonderland as wl
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
