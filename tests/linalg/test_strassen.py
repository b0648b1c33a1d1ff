"""strassen_matmul against torch.matmul (odd sides, rectangles, broadcast batches, gradients),
its recursion counted (7 products a level), its float32 error above the BLAS product's but within
a small factor, and its errors."""
import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.linalg import strassen_matmul

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("shape_a,shape_b,crossover", [
    ((16, 16), (16, 16), 2), ((9, 7), (7, 5), 2), ((33, 17), (17, 29), 4),
    ((2, 3, 10, 12), (12, 6), 2), ((3, 1, 8, 8), (4, 8, 8), 3), ((5, 5), (5, 5), 8)])
def test_values_and_gradients_match_torch(shape_a, shape_b, crossover):
    a, b = RNG.normal(size=shape_a), RNG.normal(size=shape_b)
    wa, wb = wl.tensor(a, requires_grad=True), wl.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, want = strassen_matmul(wa, wb, crossover), ta @ tb
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), atol=1e-12)
    g = RNG.normal(size=tuple(want.shape))
    ga, gb = wl.autograd.grad(out, (wa, wb), wl.tensor(g))
    want.backward(torch.tensor(g))
    np.testing.assert_allclose(ga.numpy(), ta.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(gb.numpy(), tb.grad.numpy(), atol=1e-12)


def test_seven_products_a_level():
    calls = []
    real = wl.Tensor.__matmul__

    def counting(x, y):
        calls.append(x.shape[-1])
        return real(x, y)

    a, b = wl.randn(32, 32), wl.randn(32, 32)
    wl.Tensor.__matmul__ = counting
    try:
        strassen_matmul(a, b, crossover=8)  # 32 -> 16 -> 8: two levels
    finally:
        wl.Tensor.__matmul__ = real
    assert calls == [8] * 49


def test_float32_error_is_a_small_multiple_of_the_blas_products():
    a, b = RNG.normal(size=(256, 256)), RNG.normal(size=(256, 256))
    exact = a @ b
    a32, b32 = wl.tensor(a.astype(np.float32)), wl.tensor(b.astype(np.float32))
    blas = np.abs((a32 @ b32).numpy() - exact).max()
    errors = [np.abs(strassen_matmul(a32, b32, c).numpy() - exact).max() for c in (128, 32, 8)]
    assert errors[-1] > errors[0] > 0.5 * blas  # each level of recursion adds rounding error
    assert errors[-1] < 50 * blas  # ... but stays within a small factor at these sizes


def test_errors():
    with pytest.raises(ValueError, match="a's columns \\(3\\) must equal b's rows \\(4\\)"):
        strassen_matmul(wl.ones(2, 3), wl.ones(4, 2))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        strassen_matmul(wl.ones(3), wl.ones(3, 2))
    with pytest.raises(ValueError, match="crossover must be a positive integer"):
        strassen_matmul(wl.ones(2, 2), wl.ones(2, 2), crossover=0)
