"""Dtype promotion in binary ops: tensor with tensor (the higher kind wins, then the wider type)
and tensor with Python number (a weak scalar changes only the kind), checked by hand and
against PyTorch's own rules; gradients come back in each input's own dtype."""
import numpy as np
import pytest
import torch

import wonderland as wl

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SCALARS = [True, 3, -2, 2.5]


def _tensor(name, values=(1, 2, 3)):
    return wl.tensor(np.array(values).astype(name))


def test_float32_with_float64_is_float64():
    a = wl.tensor([1.5, 2.5], dtype=wl.float32)
    b = wl.tensor([0.25, 0.125], dtype=wl.float64)
    for y in (a + b, b + a, a * b, b - a, a / b, wl.maximum(a, b), a ** b):
        assert y.dtype is wl.float64
    np.testing.assert_array_equal((a + b).numpy(), [1.75, 2.625])


def test_int64_with_python_float_is_default_float():
    x = wl.tensor([1, 2, 3])
    assert x.dtype is wl.int64
    y = x + 0.5
    assert y.dtype is wl.float32 and wl.get_default_dtype() is wl.float32
    np.testing.assert_array_equal(y.numpy(), np.array([1.5, 2.5, 3.5], dtype=np.float32))
    assert (0.5 * x).dtype is wl.float32
    assert (x ** 0.5).dtype is wl.float32
    assert wl.where(x > 1, x, 0.5).dtype is wl.float32


def test_default_float_follows_set_default_dtype():
    x = wl.tensor([1, 2, 3])
    wl.set_default_dtype(wl.float64)
    try:
        assert (x + 0.5).dtype is wl.float64
        assert (x / 2).dtype is wl.float64
    finally:
        wl.set_default_dtype(wl.float32)
    assert (x / 2).dtype is wl.float32


def test_python_scalars_are_weak():
    f32 = wl.tensor([1.0, 2.0], dtype=wl.float32)
    i32 = _tensor("int32")
    assert (f32 + 2.5).dtype is wl.float32  # a float never widens a float tensor
    assert (f32 * 3).dtype is wl.float32
    assert (i32 + 7).dtype is wl.int32  # nor an int an int tensor
    assert (_tensor("bool", [True, False]) + 1).dtype is wl.int64  # but bool -> int is a new kind


def test_integer_results():
    a, b = wl.tensor([7, -7]), wl.tensor([2, 2])
    assert (a * b).dtype is wl.int64 and (a // b).dtype is wl.int64
    assert (a % b).dtype is wl.int64
    q = a / b  # true division of integers gives the default float
    assert q.dtype is wl.float32
    np.testing.assert_array_equal(q.numpy(), [3.5, -3.5])
    assert (_tensor("int32") + _tensor("int64")).dtype is wl.int64
    assert (_tensor("uint8") + _tensor("int8")).dtype is wl.int16
    assert (_tensor("int64") + _tensor("float16")).dtype is wl.float16  # kind beats width


@pytest.mark.parametrize("left", DTYPES)
@pytest.mark.parametrize("right", DTYPES)
def test_tensor_pairs_promote_as_in_torch(left, right):
    want = str(torch.promote_types(getattr(torch, left), getattr(torch, right)))
    y = _tensor(left) + _tensor(right)
    assert "torch." + y.dtype.name == want, (left, right, y.dtype.name, want)


# A negative number does not fit uint8: NumPy (NEP 50) refuses where PyTorch wraps around.
@pytest.mark.parametrize("name, scalar", [(n, s) for n in DTYPES for s in SCALARS
                                          if not (n == "uint8" and s < 0)], ids=repr)
def test_tensor_scalar_promote_as_in_torch(name, scalar):
    want = torch.result_type(torch.tensor([1, 2, 3]).to(getattr(torch, name)), scalar)
    for y in (wl.mul(_tensor(name), scalar), wl.mul(scalar, _tensor(name))):
        assert "torch." + y.dtype.name == str(want), (name, scalar, y.dtype.name, want)


def test_gradients_keep_each_inputs_dtype():
    a = wl.tensor([1.0, 2.0], dtype=wl.float32, requires_grad=True)
    b = wl.tensor([3.0, 4.0], dtype=wl.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype is wl.float32 and b.grad.dtype is wl.float64
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 2.0])


@pytest.mark.parametrize("name, scalar", [("uint8", -2), ("int8", 1000), ("int16", 2**20)])
def test_number_that_does_not_fit_is_a_clear_error(name, scalar):
    with pytest.raises(OverflowError, match=rf"mul: the number {scalar} does not fit .* {name}"):
        wl.mul(_tensor(name), scalar)

