"""float16 computes in float32 and rounds once (wonderland/ops/precision.py): the decorators'
rules, and what the op-spec table's first-order float16 rows do not reach (second order, a
dtype argument)."""
from __future__ import annotations

import numpy as np
import torch

import wonderland as wl
from wonderland.ops.precision import float32_inside, float32_kernel, in_float32

BIG = np.array([300.0, -300.0, 250.0], np.float16)  # squares past float16's 65504


@in_float32
def _square_over(a, b):
    return a * a / b


def test_in_float32_rounds_once_and_leaves_other_dtypes_alone():
    a = wl.tensor(BIG)
    out = _square_over(a, a)  # a * a is 90000 in float32, then a again
    assert out.dtype is wl.float16
    np.testing.assert_array_equal(out.numpy(), BIG)
    mixed = _square_over(a.float(), a)  # promotes to float32 anyway: no rounding back
    assert mixed.dtype is wl.float32
    np.testing.assert_array_equal(mixed.numpy(), BIG)
    np.testing.assert_array_equal(_square_over(a.double(), 1.0).numpy(),
                                  BIG.astype(np.float64) ** 2)


def test_float32_inside_and_float32_kernel_round_float16_results_once():
    class Square:
        @float32_inside
        def forward(self, xp, x):
            assert x.dtype == np.float32
            return x * x / 300

    np.testing.assert_array_equal(Square().forward(np, BIG), [300.0, 300.0, 208.375])
    assert Square().forward(np, BIG).dtype == np.float16

    @float32_kernel
    def declines(prim, x):
        return NotImplemented

    assert declines(None, BIG) is NotImplemented


def test_softmax_keeps_its_dtype_argument():
    x = wl.tensor(BIG / 100)
    assert wl.nn.functional.softmax(x, 0).dtype is wl.float16
    assert wl.nn.functional.softmax(x, 0, dtype=wl.float32).dtype is wl.float32
    assert wl.nn.functional.log_softmax(x, 0, dtype=wl.float64).dtype is wl.float64


def test_gelu_second_derivative_in_float16_is_finite_at_large_inputs():
    """Past |x| = 256, x^2 overflows float16: PyTorch's own float16 second derivative is NaN
    there; ours is its float32 value rounded once (0)."""
    a = np.array([-1e4, -300.0, -20.0, -1.0, 0.0, 1.0, 20.0, 300.0, 1e4], np.float16)
    for approximate in ("none", "tanh"):
        x = wl.tensor(a, requires_grad=True)
        slope, = wl.autograd.grad(wl.nn.functional.gelu(x, approximate=approximate).sum(), [x],
                                  create_graph=True)
        curve, = wl.autograd.grad(slope.sum(), [x])
        t = torch.tensor(a.astype(np.float32), requires_grad=True)
        tslope, = torch.autograd.grad(torch.nn.functional.gelu(t, approximate=approximate).sum(),
                                      [t], create_graph=True)
        tcurve, = torch.autograd.grad(tslope.sum(), [t])
        assert curve.dtype is wl.float16
        np.testing.assert_allclose(curve.numpy(), tcurve.numpy().astype(np.float16),
                                   rtol=3e-3, atol=2.0 ** -10)
