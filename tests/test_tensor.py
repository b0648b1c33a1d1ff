"""The Tensor itself: construction and dtype defaults, attributes, leaving the framework, repr,
truth values, dtype promotion against torch.result_type, default dtype, and device rules."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import wonderland as wl
from wonderland.core import dtype as dt

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def wl_dtype(name):
    return dt.as_dtype(name)


def torch_dtype(name):
    return getattr(torch, name)


@pytest.fixture
def restore_default_dtype():
    before = wl.get_default_dtype()
    yield
    wl.set_default_dtype(before)


# --- construction and dtype defaults ---------------------------------------------------------
@pytest.mark.parametrize("data", [
    [1.0, 2.5], [[1, 2], [3, 4]], [True, False], 3.0, 7, True, [[1, 2.5]], [True, 2],
    [[[0.5]], [[1.5]]], [], np.float64(1.5), np.int32(3), np.bool_(True),
])
def test_dtype_defaults_match_torch(data):
    x, ref = wl.tensor(data), torch.tensor(data)
    assert x.dtype.name == str(ref.dtype).removeprefix("torch.")
    assert x.shape == tuple(ref.shape)
    assert x.tolist() == ref.tolist()


@pytest.mark.parametrize("np_dtype", [np.float64, np.float32, np.float16, np.int32, np.int64,
                                      np.uint8, np.int8, np.int16, np.bool_])
def test_numpy_arrays_keep_their_dtype(np_dtype):
    a = np.arange(6).reshape(2, 3).astype(np_dtype)
    x = wl.tensor(a)
    assert x.dtype.np_dtype == np.dtype(np_dtype)
    np.testing.assert_array_equal(x.numpy(), a)
    a[0, 0] = 5  # tensor() copies
    assert x.numpy()[0, 0] == 0


def test_tensor_of_tensor_keeps_dtype_and_copies():
    x = wl.tensor([1.0, 2.0], dtype=wl.float64, requires_grad=True)
    y = wl.tensor(x)
    assert y.dtype is wl.float64 and not y.requires_grad and y.is_leaf
    assert wl.tensor(wl.tensor([1, 2], dtype=wl.int32)).dtype is wl.int32
    assert wl.tensor([wl.tensor(1.0), wl.tensor(2.0)]).tolist() == [1.0, 2.0]


def test_explicit_dtype_and_names():
    assert wl.tensor([1, 2], dtype=wl.float64).dtype is wl.float64
    assert wl.tensor([1.7], dtype="int32").tolist() == [1]
    assert wl.tensor([1], dtype=float).dtype is wl.float32
    assert wl.tensor([1.0], dtype=np.float16).dtype is wl.float16
    assert wl.float is wl.float32 and wl.double is wl.float64 and wl.long is wl.int64
    with pytest.raises(TypeError, match="unsupported dtype"):
        wl.tensor([1], dtype="complex64")


def test_bad_data_is_rejected_clearly():
    with pytest.raises(ValueError, match="ragged"):
        wl.tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match="expected numbers"):
        wl.tensor("abc")
    with pytest.raises(TypeError, match="no wonderland equivalent"):
        wl.tensor(np.zeros(2, dtype=np.uint32))


# --- attributes and leaving the framework -----------------------------------------------------
def test_attributes():
    x = wl.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2 and x.numel() == 6
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3
    assert x.dtype is wl.float32 and x.is_floating_point
    assert x.device == wl.device("cpu") and str(x.device) == "cpu"
    assert not x.requires_grad and x.grad is None and x.is_leaf and x.grad_fn is None


def test_numpy_shares_memory_and_refuses_when_grad_is_recorded():
    a = np.arange(4.0)
    x = wl.from_numpy(a)
    assert np.shares_memory(x.numpy(), a)
    w = wl.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\)"):
        w.numpy()
    with pytest.raises(RuntimeError, match="requires grad"):
        (w * 2).numpy()
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(w), [1.0, 2.0])  # __array__ is read-only export


def test_item_and_tolist():
    assert wl.tensor([[2.5]]).item() == 2.5 and isinstance(wl.tensor([[2.5]]).item(), float)
    assert wl.tensor(7).item() == 7 and isinstance(wl.tensor(7).item(), int)
    assert wl.tensor(True).item() is True
    assert float(wl.tensor(1.5)) == 1.5 and int(wl.tensor(3)) == 3
    with pytest.raises(ValueError, match="one element"):
        wl.tensor([1.0, 2.0]).item()
    assert wl.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert wl.tensor(2.0).tolist() == 2.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(-2**40, 2**40), min_size=3, max_size=3), max_size=4))
def test_tolist_round_trips_nested_int_lists(rows):
    x = wl.tensor(rows)
    assert x.tolist() == rows
    assert x.shape == (len(rows), 3) if rows else x.shape == (0,)


def test_detach_shares_values_and_cuts_the_graph():
    x = wl.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert np.shares_memory(d.numpy(), y._data)
    assert y.grad_fn is not None and not y.is_leaf and y.requires_grad


def test_requires_grad_flag():
    x = wl.tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad
    y = wl.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False


@pytest.mark.parametrize("name", ["int64", "int32", "bool", "uint8"])
def test_requires_grad_on_non_float_says_floating_point(name):
    with pytest.raises(RuntimeError, match="floating point"):
        wl.tensor([1], dtype=name, requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        wl.zeros(2, dtype=name).requires_grad_()


# --- repr -------------------------------------------------------------------------------------
def test_repr_reads_like_torch():
    cases = [
        (wl.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])),
        (wl.tensor([1, 2]), torch.tensor([1, 2])),
        (wl.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)),
        (wl.tensor([1.0], dtype=wl.float64), torch.tensor([1.0], dtype=torch.float64)),
        (wl.tensor([1], dtype=wl.int32), torch.tensor([1], dtype=torch.int32)),
    ]
    for x, ref in cases:
        r, tr = repr(x), repr(ref)
        assert r.startswith("tensor(") and r.endswith(")")
        for marker in ("requires_grad=True", "dtype="):
            assert (marker in r) == (marker in tr), (r, tr)
    r = repr(wl.tensor([1.0, 2.0], requires_grad=True) * 2)
    assert "grad_fn=<Mul" in r and "2., 4." in r
    assert "dtype=float64" in repr(wl.tensor([1.0], dtype=wl.float64))
    assert "device='fakedev:0'" in repr(wl.zeros(2, device="fakedev"))
    assert "..." in repr(wl.zeros(5000))  # large tensors are summarised


def test_repr_follows_default_dtype(restore_default_dtype):
    wl.set_default_dtype(wl.float64)
    assert "dtype" not in repr(wl.tensor([1.0]))
    assert "dtype=float32" in repr(wl.tensor([1.0], dtype=wl.float32))


# --- len and truth values ---------------------------------------------------------------------
def test_len_and_bool():
    assert len(wl.zeros(4, 2)) == 4
    with pytest.raises(TypeError, match="0-d"):
        len(wl.tensor(1.0))
    assert bool(wl.tensor([3.0])) and not bool(wl.tensor([[0]])) and bool(wl.tensor(True))
    for shape in [(2,), (0,), (2, 2)]:
        with pytest.raises(RuntimeError, match="ambiguous"):
            bool(wl.zeros(shape))


# --- dtype promotion --------------------------------------------------------------------------
@pytest.mark.parametrize("a", NAMES)
@pytest.mark.parametrize("b", NAMES)
def test_promotion_matches_torch_result_type(a, b):
    want = torch.result_type(torch.zeros(2, dtype=torch_dtype(a)),
                             torch.zeros(2, dtype=torch_dtype(b)))
    assert dt.promote(wl_dtype(a), wl_dtype(b)).name == str(want).removeprefix("torch.")


@pytest.mark.parametrize("a", [n for n in NAMES if n != "bool"])
@pytest.mark.parametrize("b", [n for n in NAMES if n != "bool"])
def test_add_result_dtype_matches_torch(a, b):
    x = wl.ones(2, dtype=a) + wl.ones(2, dtype=b)
    ref = torch.ones(2, dtype=torch_dtype(a)) + torch.ones(2, dtype=torch_dtype(b))
    assert x.dtype.name == str(ref.dtype).removeprefix("torch.")
    assert x.tolist() == ref.tolist()


@pytest.mark.parametrize("a", NAMES)
@pytest.mark.parametrize("scalar", [True, 2, 2.5])
def test_python_scalars_are_weak(a, scalar):
    want = torch.result_type(torch.zeros(2, dtype=torch_dtype(a)), scalar)
    want = str(want).removeprefix("torch.")
    assert dt.promote_with_scalar(wl_dtype(a), scalar).name == want
    if a != "bool":
        assert (wl.ones(2, dtype=a) * scalar).dtype.name == want


def test_zero_dim_tensors_are_not_weak():
    # Documented difference: torch lets a 0-d int64 tensor leave an int8 tensor as int8; here
    # (as in NumPy 2) a 0-d tensor promotes like any other tensor.
    assert dt.promote(wl.int8, wl.int64) is wl.int64
    assert (wl.ones(2, dtype=wl.int8) + wl.tensor(1)).dtype is wl.int64
    assert (wl.ones(2, dtype=wl.float32) + wl.tensor(1.0, dtype=wl.float64)).dtype is wl.float64


def test_set_default_dtype(restore_default_dtype):
    wl.set_default_dtype(wl.float64)
    assert wl.get_default_dtype() is wl.float64
    assert wl.tensor([1.5]).dtype is wl.float64 and wl.tensor(1.5).dtype is wl.float64
    assert wl.zeros(2).dtype is wl.float64 and wl.randn(2).dtype is wl.float64
    assert wl.arange(0.0, 1.0, 0.5).dtype is wl.float64
    assert (wl.ones(2, dtype=wl.int64) * 0.5).dtype is wl.float64
    assert wl.tensor([1]).dtype is wl.int64  # ints are unaffected
    assert (wl.ones(2, dtype=wl.float32) * 0.5).dtype is wl.float32  # scalars stay weak
    wl.set_default_dtype(wl.float16)
    assert wl.ones(1).dtype is wl.float16
    with pytest.raises(TypeError, match="floating"):
        wl.set_default_dtype(wl.int32)
    assert wl.get_default_dtype() is wl.float16


# --- devices ----------------------------------------------------------------------------------
def test_mixing_devices_names_the_op_and_both_devices():
    a, b = wl.ones(3, device="fakedev"), wl.ones(3)
    with pytest.raises(RuntimeError, match=r"Add.*fakedev:0.*cpu"):
        a + b
    with pytest.raises(RuntimeError, match=r"Mul.*cpu.*fakedev:0"):
        b * a
    assert (a + a).device == wl.device("fakedev", 0)
    assert (a * 2).device.type == "fakedev"  # Python numbers follow the tensor


def test_unknown_device_is_a_clear_error():
    with pytest.raises(RuntimeError, match="'tpu' is not available.*cpu"):
        wl.zeros(2, device="tpu")
    with pytest.raises(RuntimeError, match="not available"):
        wl.tensor([1.0]).to("tpu:0")
    with pytest.raises(RuntimeError, match="device index"):  # PyTorch's RuntimeError
        wl.as_device("fakedev:x")
    with pytest.raises(TypeError, match="device"):
        wl.as_device(3.5)
    assert wl.as_device("fakedev:0") == wl.as_device("fakedev")


def test_to_another_device_and_back_is_differentiable():
    x = wl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.to("fakedev")
    assert y.device.type == "fakedev" and y.grad_fn is not None
    z = (y * y).to("cpu")
    assert z.device == wl.device("cpu")
    (z * wl.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 40.0, 600.0])
    assert x.grad.device == x.device
    assert x.to("cpu") is x and x.to(wl.float32) is x
    assert x.detach().to(wl.float64).dtype is wl.float64


def test_iteration_yields_rows_and_refuses_0d():
    x = wl.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert [r.tolist() for r in x] == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(TypeError, match="0-d"):
        list(wl.tensor(1.0))
