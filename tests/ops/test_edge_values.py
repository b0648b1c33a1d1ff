"""Derivatives at awkward values: no nan where the true derivative is finite."""
import numpy as np

import wonderland as wl


def test_constant_tensor_exponent_has_no_nan_tangent_at_negative_base():
    x = wl.tensor([-2.0, 3.0], dtype=wl.float64)
    two = wl.tensor(2.0, dtype=wl.float64)
    _, t = wl.autograd.jvp(lambda a: a ** two, (x,), (wl.ones_like(x),))
    np.testing.assert_allclose(t.numpy(), [-4.0, 6.0])


def test_step_functions_send_exact_zeros_for_infinite_cotangents():
    x = wl.tensor([0.5, -1.5], requires_grad=True)
    for f in (wl.floor, wl.ceil, wl.round, wl.trunc, wl.sign):
        (g,) = wl.autograd.grad(f(x), x, grad_outputs=wl.tensor([np.inf, -np.inf]))
        np.testing.assert_array_equal(g.numpy(), [0.0, 0.0])


def test_where_sends_no_nan_into_the_branch_not_taken():
    x = wl.tensor([1.0, 2.0], requires_grad=True)
    y = wl.where(wl.tensor([True, False]), x, wl.zeros(2))
    (g,) = wl.autograd.grad(y, x, grad_outputs=wl.tensor([1.0, np.inf]))
    np.testing.assert_array_equal(g.numpy(), [1.0, 0.0])


def test_triangles_keep_the_dtype():
    for dtype in (wl.bool_, wl.int32, wl.float16, wl.float64):
        assert wl.ones(3, 3, dtype=dtype).tril().dtype is dtype
        assert wl.ones(3, 3, dtype=dtype).triu(1).dtype is dtype
