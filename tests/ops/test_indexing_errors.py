"""Indexing errors: out-of-range keys name the dimension and its size, malformed keys and index
tensors are refused with a clear message, and item assignment points to index_put. Also: the
gradients of gather and index_put stay finite where the input holds infinities."""
from __future__ import annotations

import numpy as np
import pytest

import wonderland as wl


@pytest.fixture
def x():
    return wl.randn(3, 4)


@pytest.mark.parametrize("key,index,dim,size", [
    (3, 3, 0, 3),
    (-4, -4, 0, 3),
    ((slice(None), 4), 4, 1, 4),
    ((0, -5), -5, 1, 4),
    ((None, Ellipsis, 7), 7, 1, 4),
    ([0, 3], 3, 0, 3),
    ((slice(None), [1, -5]), -5, 1, 4),
    ((slice(None), np.array([[0, 9]])), 9, 1, 4),
])
def test_out_of_range_key(x, key, index, dim, size):
    with pytest.raises(IndexError, match=f"index {index} is out of bounds for dimension "
                                         f"{dim} with size {size}"):
        x[key]


def test_out_of_range_index_tensor(x):
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 1 with size 4"):
        x[:, wl.tensor([0, 4])]
    with pytest.raises(IndexError, match="index -4 is out of bounds for dimension 0 with size 3"):
        x[wl.tensor([[0], [-4]]), 1:]


def test_in_range_negative_indices_work(x):
    a = x.numpy()
    np.testing.assert_array_equal(x[-3, -4].numpy(), a[-3, -4])
    np.testing.assert_array_equal(x[[-1, 0, -3]].numpy(), a[[-1, 0, -3]])


@pytest.mark.parametrize("key", [(0, 0, 0), (0, None, 1, 2), (Ellipsis, 0, 0, 0),
                                 (slice(None),) * 3])
def test_too_many_indices(x, key):
    with pytest.raises(IndexError, match=r"too many indices for a tensor of shape \(3, 4\)"):
        x[key]


def test_too_many_indices_0d():
    with pytest.raises(IndexError, match="too many indices"):
        wl.tensor(1.0)[0]


@pytest.mark.parametrize("mask,match", [
    ([True, False], r"boolean mask of shape \(2,\) does not match the indexed dimensions "
                    r"\(3,\)"),
    ([[True, False, True]] * 3, r"mask of shape \(3, 3\) does not match .*\(3, 4\)"),
])
def test_bad_mask_shape(x, mask, match):
    with pytest.raises(IndexError, match=match):
        x[wl.tensor(mask)]


def test_bad_mask_shape_after_slice(x):
    with pytest.raises(IndexError, match=r"mask of shape \(3,\) does not match the indexed "
                                         r"dimensions \(4,\)"):
        x[:, wl.tensor([True, False, True])]


def test_float_index_tensor(x):
    with pytest.raises(IndexError, match="must be integer or bool, got float"):
        x[wl.tensor([0.0, 1.0])]
    with pytest.raises(IndexError, match="must be integer or bool"):
        x[:, np.array([1.5])]


@pytest.mark.parametrize("key", [1.0, "a", {0: 1}])
def test_unsupported_key(x, key):
    with pytest.raises(IndexError, match=f"unsupported index .* of type {type(key).__name__}"):
        x[key]


@pytest.mark.parametrize("key", [True, np.bool_(False), wl.tensor(True)])
def test_boolean_scalar_key_refused(x, key):
    with pytest.raises(IndexError, match="boolean scalar is not supported"):
        x[key]


def test_empty_index_list(x):
    assert x[[]].shape == (0, 4)
    assert x[:, []].shape == (3, 0)


# --- gather and scatter_add -------------------------------------------------------------------
def test_gather_index_dtype(x):
    with pytest.raises(TypeError, match="gather: index must be an int64 tensor, got int32"):
        wl.gather(x, 0, wl.tensor([[0, 1, 2, 0]], dtype=wl.int32))
    with pytest.raises(TypeError, match="gather: index must be an int64 tensor, got float32"):
        x.gather(1, wl.tensor([[0.0]]))
    with pytest.raises(TypeError, match="got list"):
        x.gather(1, [[0]])


@pytest.mark.parametrize("dim,index,bad,size", [
    (0, [[0, 3, 1, 2]], 3, 3),
    (1, [[4], [0], [1]], 4, 4),
    (-1, [[0], [-1], [1]], -1, 4),  # gather takes no negative indices, as torch.gather
])
def test_gather_index_range(x, dim, index, bad, size):
    with pytest.raises(IndexError, match=f"gather: index {bad} is out of range for dimension "
                                         f"{dim % 2} with size {size}"):
        wl.gather(x, dim, wl.tensor(index))


def test_gather_shapes(x):
    with pytest.raises(ValueError, match="gather: index has 1 dimensions, input has 2"):
        wl.gather(x, 0, wl.tensor([0, 1]))
    with pytest.raises(ValueError, match="exceeds input shape"):
        wl.gather(x, 0, wl.tensor([[0] * 5]))
    with pytest.raises(IndexError, match="dimension 2 is out of range"):
        wl.gather(x, 2, wl.tensor([[0]]))


def test_scatter_add_index_dtype(x):
    src = wl.ones(3, 4)
    with pytest.raises(TypeError, match="scatter_add: index must be an int64 tensor, got int16"):
        wl.scatter_add(x, 0, wl.tensor([[0, 1]], dtype=wl.int16), src)
    with pytest.raises(TypeError, match="scatter_add: index must be an int64 tensor, got bool"):
        x.scatter_add(1, wl.tensor([[True]]), src)


@pytest.mark.parametrize("dim,index,bad,size", [
    (0, [[0, 1], [3, 0]], 3, 3),
    (1, [[2, 4]], 4, 4),
    (1, [[-1, 0]], -1, 4),
])
def test_scatter_add_index_range(x, dim, index, bad, size):
    with pytest.raises(IndexError, match=f"scatter_add: index {bad} is out of range for "
                                         f"dimension {dim} with size {size}"):
        wl.scatter_add(x, dim, wl.tensor(index), wl.ones(3, 4))


def test_scatter_add_shapes(x):
    with pytest.raises(ValueError, match="must have the same number of dimensions"):
        wl.scatter_add(x, 0, wl.tensor([0, 1]), wl.ones(3, 4))
    with pytest.raises(ValueError, match="exceeds src"):
        wl.scatter_add(x, 0, wl.tensor([[0, 1, 0]]), wl.ones(1, 2))
    with pytest.raises(ValueError, match="exceeds src .* or input"):
        wl.scatter_add(x, 0, wl.tensor([[0, 1, 0, 1, 0]]), wl.ones(1, 5))


def test_take_along_dim_errors(x):
    with pytest.raises(TypeError, match="take_along_dim: index must be an int64 tensor"):
        wl.take_along_dim(x, wl.tensor([[0.0]]), 1)
    with pytest.raises(ValueError, match="indices have 1 dimensions, input has 2"):
        wl.take_along_dim(x, wl.tensor([0]), 1)
    with pytest.raises(ValueError, match="cannot be broadcast"):
        wl.take_along_dim(x, wl.tensor([[0], [1]]), 1)
    with pytest.raises(IndexError, match="index 12 is out of range for dimension 0 with size 12"):
        wl.take_along_dim(x, wl.tensor([12]))


# --- other index functions --------------------------------------------------------------------
def test_index_put_errors(x):
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        wl.index_put(x, (wl.tensor([3]),), wl.tensor([1.0]))
    with pytest.raises(IndexError, match="too many indices"):
        wl.index_put(x, (wl.tensor([0]),) * 3, wl.tensor([1.0]))
    with pytest.raises(ValueError):
        wl.index_put(x, (wl.tensor([0, 1]),), wl.ones(3))  # values (3,) do not fit rows (2, 4)


def test_index_select_errors(x):
    with pytest.raises(ValueError, match="index must be 1-D"):
        x.index_select(0, wl.tensor([[0]]))
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 1 with size 4"):
        x.index_select(1, wl.tensor([4]))


def test_masked_fill_and_one_hot_errors(x):
    with pytest.raises(TypeError, match="masked_fill: mask must be bool, got int64"):
        x.masked_fill(wl.tensor([1, 0, 1, 0]), 0.0)
    with pytest.raises(TypeError, match="one_hot: index must be an int64 tensor, got float32"):
        wl.one_hot(wl.tensor([0.0, 1.0]), 3)
    with pytest.raises(ValueError, match="class value 3 is not smaller than num_classes 3"):
        wl.one_hot(wl.tensor([0, 3]), 3)
    with pytest.raises(ValueError, match="must be non-negative, got -1"):
        wl.one_hot(wl.tensor([0, -1]))



def test_gather_and_index_put_gradients_ignore_infinite_inputs():
    """The zeros a vjp starts from must be zeros, not x * 0 (which is nan where x is inf)."""
    a = np.array([[-np.inf, 1.0, 2.0], [3.0, np.inf, 4.0]])
    x = wl.tensor(a, requires_grad=True)
    wl.gather(x, 1, wl.tensor([[1], [2]])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0], [0, 0, 1]])
    x = wl.tensor(a, requires_grad=True)
    y = wl.index_put(x, (wl.tensor([0, 1]), wl.tensor([0, 1])), wl.zeros(2, dtype=wl.float64))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 1], [1, 0, 1]])
