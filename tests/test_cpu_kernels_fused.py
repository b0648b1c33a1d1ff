"""The one-pass numba kernels of the fused primitives (GELU, standardisation, attention's
softmax) against the NumPy forwards they replace: at least as accurate against float64 truth,
the same NaN and infinity positions, and a decline (so the NumPy forward runs) on the inputs
they do not cover."""
from __future__ import annotations

import numpy as np
import pytest

import wonderland as wl
from wonderland.backend import cpu_kernels
from wonderland.backend.cpu_kernels import fast_math
from wonderland.backend.cpu_kernels import gelu as gelu_kernels
from wonderland.backend.cpu_kernels._numba import njit
from wonderland.ops.activation import Gelu, GeluGrad

SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 7.5, -7.5, 1e-30, -1e-30]


def _assert_as_accurate(got, ref32, truth, slack: float = 1e-7):
    """got's worst error against truth is within the float32 reference's plus a little, and
    its NaNs and infinities sit where the reference's do."""
    finite = np.isfinite(truth) & np.isfinite(ref32)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref32))
    np.testing.assert_array_equal(got[np.isinf(ref32)], ref32[np.isinf(ref32)])
    worst = np.max(np.abs(got[finite] - truth[finite]))
    assert worst <= 1.5 * np.max(np.abs(ref32[finite] - truth[finite])) + slack


@njit
def _exp_all(x, out):
    for i in range(x.size):
        out[i] = fast_math.exp32(x[i])


def test_exp32_is_within_two_ulp_and_handles_the_edges():
    normal = np.linspace(-87.3, 88.7, 200_001, dtype=np.float32)  # results are normal floats
    tiny = np.linspace(-103.9, -87.4, 1001, dtype=np.float32)  # results are subnormal
    edges = np.array([np.nan, np.inf, -np.inf, -104.5, 88.8, 0.0], np.float32)
    x = np.concatenate([normal, tiny, edges])
    out = np.empty_like(x)
    _exp_all(x, out)
    truth = np.exp(x.astype(np.float64))
    n = normal.size
    assert np.max(np.abs(out[:n] - truth[:n]) / truth[:n]) < 2 * 2.0 ** -23
    smallest = np.finfo(np.float32).smallest_subnormal
    assert np.max(np.abs(out[n:-6] - truth[n:-6])) <= smallest
    np.testing.assert_array_equal(out[-6:], [np.nan, np.inf, 0.0, 0.0, np.inf, 1.0])


def _gelu_inputs(rng, shape=(64, 1024)):
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    x.flat[:len(SPECIAL)] = SPECIAL
    return x, rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_kernels_are_as_accurate_as_the_numpy_forwards(approximate):
    x, g = _gelu_inputs(np.random.default_rng(0))
    x64, g64 = x.astype(np.float64), g.astype(np.float64)
    prim, grad = Gelu(approximate), GeluGrad(approximate)
    with np.errstate(invalid="ignore"):
        _assert_as_accurate(gelu_kernels.gelu(prim, x), prim.forward(np, x),
                            prim.forward(np, x64))
        _assert_as_accurate(gelu_kernels.gelu_grad(grad, g, x), grad.forward(np, g, x),
                            grad.forward(np, g64, x64))


def test_gelu_kernels_decline_what_they_do_not_cover():
    big = np.zeros(gelu_kernels.MIN_SIZE, np.float32)
    assert gelu_kernels.gelu(Gelu(), big[: gelu_kernels.MIN_SIZE // 2]) is NotImplemented
    assert gelu_kernels.gelu(Gelu(), big.astype(np.float64)) is NotImplemented
    assert gelu_kernels.gelu(Gelu(), big.reshape(2, -1)[:, ::2]) is NotImplemented
    assert gelu_kernels.gelu_grad(GeluGrad(), big, big.copy()) is not NotImplemented
    assert gelu_kernels.gelu_grad(GeluGrad(), big, big[::-1]) is NotImplemented
    assert gelu_kernels.gelu_grad(GeluGrad(), big, big.reshape(2, -1)) is NotImplemented


def test_a_model_runs_the_gelu_kernels_and_keeps_torchs_values():
    torch = pytest.importorskip("torch")
    assert cpu_kernels.load()
    table = wl.tensor([0.0]).device.kernels
    assert table[Gelu] is gelu_kernels.gelu and table[GeluGrad] is gelu_kernels.gelu_grad
    x = np.random.default_rng(1).standard_normal((128, 512)).astype(np.float32)
    ours = wl.tensor(x, requires_grad=True)
    y = wl.nn.functional.gelu(ours)
    y.sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    want = torch.nn.functional.gelu(theirs)
    want.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), want.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-6)
