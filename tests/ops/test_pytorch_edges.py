"""Values where a naive formula gives a silent wrong answer, checked against PyTorch: integer
division by zero, slopes at a constant input or a zero vector, binary cross-entropy at clamped
probabilities, and normalising a constant row of huge values."""
import warnings

import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.nn import functional as F
from wonderland.optim.clip import vector_norm


@pytest.mark.parametrize("op", [lambda lib, a, b: a // b, lambda lib, a, b: a % b,
                                lambda lib, a, b: lib.div(a, b, rounding_mode="floor"),
                                lambda lib, a, b: lib.div(a, b, rounding_mode="trunc"),
                                lambda lib, a, b: a // 0, lambda lib, a, b: a % 0],
                         ids=["floordiv", "mod", "div_floor", "div_trunc", "floordiv_0", "mod_0"])
def test_integer_division_by_zero_raises_as_pytorch_does(op):
    a, b = wl.tensor([7, -7, 3]), wl.tensor([2, 0, 1])
    with pytest.raises(RuntimeError, match="division by zero"):
        op(wl, a, b)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):  # PyTorch raises too
        op(torch, torch.tensor([7, -7, 3]), torch.tensor([2, 0, 1]))
    with pytest.raises(ZeroDivisionError):  # and Python's own exception type catches ours
        op(wl, a, b)


def test_float_division_by_zero_stays_ieee():
    a = wl.tensor([1.0, -1.0, 0.0])
    expected = torch.tensor([1.0, -1.0, 0.0]) // 0
    np.testing.assert_array_equal((a // 0).numpy(), expected.numpy())


@pytest.mark.parametrize("name", ["std", "var", "std_dim", "std_population"])
def test_spread_of_a_constant_input_has_zero_slope(name):
    fns = {"std": lambda x: x.std(), "var": lambda x: x.var(), "std_dim": lambda x: x.std(0),
           "std_population": lambda x: x.std(correction=0)}
    fn = fns[name]
    x = wl.full((4, 3), 2.5, dtype=wl.float64, requires_grad=True)
    (g,) = wl.autograd.grad(fn(x).sum(), x)
    tx = torch.full((4, 3), 2.5, dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(fn(tx).sum(), tx)
    np.testing.assert_array_equal(g.numpy(), tg.numpy())
    _, tangent = wl.autograd.jvp(lambda a: fn(a).sum(), (x.detach(),), (wl.ones_like(x),))
    assert tangent.item() == 0.0


@pytest.mark.parametrize("p", [2, 3, 1.5])
def test_norm_of_the_zero_vector_has_pytorchs_zero_subgradient(p):
    x = wl.zeros(5, dtype=wl.float64, requires_grad=True)
    (g,) = wl.autograd.grad(vector_norm(x, p), x)
    tx = torch.zeros(5, dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.linalg.vector_norm(tx, p), tx)
    np.testing.assert_array_equal(g.numpy(), tg.numpy())
    # away from zero the slope is the usual x |x|^(p-2) / ||x||^(p-1)
    y = wl.tensor([3.0, -4.0], dtype=wl.float64, requires_grad=True)
    (gy,) = wl.autograd.grad(vector_norm(y, p), y)
    ty = torch.tensor([3.0, -4.0], dtype=torch.float64, requires_grad=True)
    (tgy,) = torch.autograd.grad(torch.linalg.vector_norm(ty, p), ty)
    np.testing.assert_allclose(gy.numpy(), tgy.numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_binary_cross_entropy_slope_survives_the_clamp(dtype):
    """p = 0 with target 1 is the wrong answer at full confidence: its loss is clamped at 100,
    and its gradient must still be large (PyTorch: (p - t) / max(p (1 - p), 1e-12))."""
    p = [0.0, 1.0, 1e-30, 0.5, 1 - 1e-13, 0.3]
    t = [1.0, 0.0, 1.0, 1.0, 0.0, 0.2]
    wp = wl.tensor(p, dtype=getattr(wl, dtype), requires_grad=True)
    loss = F.binary_cross_entropy(wp, wl.tensor(t, dtype=getattr(wl, dtype)), reduction="sum")
    (g,) = wl.autograd.grad(loss, wp)
    tp = torch.tensor(p, dtype=getattr(torch, dtype), requires_grad=True)
    tloss = torch.nn.functional.binary_cross_entropy(tp, torch.tensor(t, dtype=tp.dtype),
                                                     reduction="sum")
    (tg,) = torch.autograd.grad(tloss, tp)
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-3 if dtype == "float16" else 1e-6)
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-3 if dtype == "float16" else 1e-6)
    if dtype != "float16":  # float16 cannot hold 1e12: both give -inf there
        assert g.numpy()[0] == pytest.approx(-1e12)


@pytest.mark.parametrize("n", [3, 7, 64])
@pytest.mark.parametrize("value", [1e30, -1e30, 0.1, 1 / 3, 12345.678])
def test_layer_norm_of_a_constant_row_is_zero(value, n):
    x = wl.full((2, n), value, dtype=wl.float64, requires_grad=True)
    y = F.layer_norm(x, (n,))
    tx = torch.full((2, n), value, dtype=torch.float64, requires_grad=True)
    ty = torch.nn.functional.layer_norm(tx, (n,))
    np.testing.assert_array_equal(y.detach().numpy(), np.zeros((2, n)))
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    # at variance 0 the Jacobian is (I - 1/n) / sqrt(eps) (PyTorch's own backward loses this
    # at 1e30, where it returns 0)
    weights = np.arange(2.0 * n).reshape(2, n)
    (g,) = wl.autograd.grad((y * wl.tensor(weights)).sum(), x)
    exact = (weights - weights.mean(1, keepdims=True)) / np.sqrt(1e-5)
    np.testing.assert_allclose(g.numpy(), exact, rtol=1e-9, atol=1e-9)
    if abs(value) < 1e10:
        (tg,) = torch.autograd.grad((ty * torch.tensor(weights)).sum(), tx)
        np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-9, atol=1e-9)


def test_batch_norm_of_a_constant_channel_is_zero():
    x = wl.full((4, 2, 3, 3), 1e30, dtype=wl.float64)
    y = F.batch_norm(x, None, None, training=True)
    np.testing.assert_array_equal(y.numpy(), np.zeros(x.shape))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_standardize_kernel_centres_constant_rows_to_zero(dtype):
    from wonderland.backend.cpu_kernels import rows as row_kernels
    from wonderland.ops.norm import Standardize, StandardizeGrad

    x = np.full((64, 96), 1e30, dtype=dtype)
    x[1::2] = 0.1  # rows whose plain mean is an ulp off
    prim = Standardize((1,), 1e-5)
    y = row_kernels.standardize(prim, x)
    np.testing.assert_array_equal(y, np.zeros_like(x))
    np.testing.assert_array_equal(y, prim.forward(np, x))
    g = np.ones_like(x)
    grad = row_kernels.standardize_grad(StandardizeGrad((1,), 1e-5), g, y, x)
    np.testing.assert_array_equal(grad, np.zeros_like(x))  # the slope of a constant shift is 0


@pytest.mark.parametrize("name", ["log", "log1p", "sqrt", "rsqrt"])
def test_functions_outside_their_domain_give_ieee_values_without_warnings(name):
    values = [0.0, -1.0, -2.0, 4.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # PyTorch says nothing; neither do we
        ours = getattr(wl, name)(wl.tensor(values, dtype=wl.float64)).numpy()
    theirs = getattr(torch, name)(torch.tensor(values, dtype=torch.float64)).numpy()
    np.testing.assert_array_equal(ours, theirs)


def test_a_range_indexes_as_a_list():
    x = np.arange(12.0).reshape(3, 4)
    got = wl.tensor(x)[range(3), [0, 1, 2]]
    want = torch.tensor(x)[range(3), [0, 1, 2]]
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_repeat_gives_memory_of_its_own():
    x = wl.ones(1, 2)
    y = x.repeat(3, 1)
    y.div_(2)  # as fast-neural-style normalises a repeated batch in place
    assert y.tolist() == [[0.5, 0.5]] * 3 and x.tolist() == [[1.0, 1.0]]


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_functional_activations_take_inplace(name):
    x = wl.tensor([-1.0, 0.5])
    want = getattr(torch.nn.functional, name)(torch.tensor([-1.0, 0.5]))
    out = getattr(F, name)(x, inplace=True) if name == "relu" else getattr(F, name)(x)
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-6)
    assert (out is x) == (name == "relu")
