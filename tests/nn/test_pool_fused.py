"""The block max-pooling primitives (ops/pool.py) against the composite max pool they replace
for disjoint windows (a strided view of the windows, max over the flattened window, the
gradient to the first maximum through argmax): outputs, gradients, and the second derivative's
routing, float64 and float32, with ties (ReLU-like zeros), NaN, -inf and cropped edges."""
import math

import numpy as np
import pytest

import wonderland as wl
from wonderland.core import primitive
from wonderland.functional.conv import windows
from wonderland.nn import functional as F
from wonderland.ops.pool import BlockMaxGather, BlockMaxScatter

RNG = np.random.default_rng(5)


def composite_max_pool(x, kernel):
    """Max over each window of a (N, C, *size) view, the gradient to the first maximum."""
    out = [n // k for n, k in zip(x.shape[2:], kernel)]
    win = windows(x, kernel, kernel, (1,) * len(kernel), out)
    return win.reshape(*x.shape[:2], *out, math.prod(kernel)).max(dim=-1)[0]


def _data(kind, shape):
    if kind == "ties":  # ReLU outputs: whole blocks of zeros, and repeated small integers
        return np.maximum(np.floor(RNG.standard_normal(shape) * 1.5), 0)
    x = RNG.standard_normal(shape)
    if kind == "special":
        x.flat[::7] = -np.inf
        x.flat[3::11] = np.nan
        x.flat[5::13] = np.inf
    return x


def _run(f, x, dtype):
    t = wl.tensor(x, dtype=dtype, requires_grad=True)
    y = f(t)
    g = np.random.default_rng(1).standard_normal(y.shape)
    (y * wl.tensor(g, dtype=dtype)).sum().backward()
    return np.asarray(y.detach()), np.asarray(t.grad)


POOLS = [((2, 3, 8, 8), (2, 2)), ((2, 2, 9, 7), (2, 3)), ((1, 3, 10), (3,)),
         ((2, 1, 6, 6), (3, 3)), ((1, 2, 4, 5), (4, 5))]


@pytest.mark.parametrize("dtype", [wl.float64, wl.float32])
@pytest.mark.parametrize("kind", ["random", "ties", "special"])
@pytest.mark.parametrize("shape,kernel", POOLS)
def test_block_max_pool_equals_the_composite(shape, kernel, kind, dtype):
    x = _data(kind, shape)
    pool = F.max_pool2d if len(kernel) == 2 else F.max_pool1d
    y, dx = _run(lambda t: pool(t, kernel), x, dtype)
    want_y, want_dx = _run(lambda t: composite_max_pool(t, kernel), x, dtype)
    np.testing.assert_array_equal(y, want_y)  # the same element is picked: exactly equal
    np.testing.assert_array_equal(dx, want_dx)


def test_second_derivative_routes_like_the_composite():
    """d/dg of the gradient: the block primitives' own vjps (scatter <-> gather)."""
    x = _data("ties", (2, 2, 6, 4))

    def grad_of_grad(pool):
        t = wl.tensor(x, requires_grad=True)
        g = wl.tensor(RNG.standard_normal((2, 2, 3, 2)), requires_grad=True)
        (dx,) = wl.autograd.grad(pool(t), [t], grad_outputs=g, create_graph=True)
        h = wl.tensor(np.arange(dx.numel(), dtype=np.float64).reshape(dx.shape))
        return np.asarray(wl.autograd.grad((dx * h).sum(), [g])[0])

    np.testing.assert_array_equal(grad_of_grad(lambda t: F.max_pool2d(t, 2)),
                                  grad_of_grad(lambda t: composite_max_pool(t, (2, 2))))


def test_scatter_and_gather_are_adjoint():
    x, g, v = (RNG.standard_normal(s) for s in [(2, 3, 6, 9), (2, 3, 2, 3), (2, 3, 6, 9)])
    x = np.floor(x)  # ties
    with wl.no_grad():
        scattered = np.asarray(BlockMaxScatter((3, 3))(wl.tensor(x), wl.tensor(g)))
        gathered = np.asarray(BlockMaxGather((3, 3))(wl.tensor(x), wl.tensor(v)))
    np.testing.assert_allclose(np.sum(scattered * v), np.sum(g * gathered), rtol=1e-12)
    assert np.count_nonzero(scattered) == g.size  # one element per block


@pytest.mark.parametrize("kw,fused", [
    ({"kernel_size": 2}, True), ({"kernel_size": 2, "stride": 2, "ceil_mode": True}, True),
    ({"kernel_size": 3, "ceil_mode": True}, False),  # 8 is not a multiple of 3: partial window
    ({"kernel_size": 2, "stride": 1}, False), ({"kernel_size": 2, "padding": 1}, False),
    ({"kernel_size": 2, "dilation": 2}, False), ({"kernel_size": 2, "return_indices": True},
                                                 False)])
def test_which_cases_take_the_block_path(kw, fused):
    seen = set()
    primitive._observers.append(lambda prim, xs: seen.add(prim.name))
    try:
        F.max_pool2d(wl.randn(1, 2, 8, 8), **kw)
    finally:
        primitive._observers.pop()
    assert ("BlockMax" in seen) == fused
