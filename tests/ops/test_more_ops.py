"""Issue 14's functions without derivatives (or beyond the op-spec table's reach: indices, dtypes,
tuples, infinities, constructors, formatting), each against PyTorch."""
import numpy as np
import pytest
import torch

import wonderland as wl

X = np.random.default_rng(0).uniform(-2, 2, (3, 4))
INF = float("inf")
SPECIAL = np.array([np.nan, INF, -INF, 1.0, -0.0, 1e-300])


def same(ours, theirs):
    """Equal values (NaN where NaN; float32 to a few units in the last place), shapes, dtypes."""
    a = np.asarray(ours.numpy() if isinstance(ours, wl.Tensor) else ours)
    b = np.asarray(theirs.numpy() if isinstance(theirs, torch.Tensor) else theirs)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, rtol=1e-6 if a.dtype == np.float32 else 1e-12, atol=0)


@pytest.mark.parametrize("name", ["median", "kthvalue", "mode", "cummax", "cummin"])
def test_indices_as_pytorch(name):
    data = np.array([[1.0, 2.0, 2.0, 3.0, 3.0], [4.0, 4.0, 1.0, 1.0, 5.0], [0.5, 0.5, 0.5, 2, 1]])
    args = {"median": (1,), "kthvalue": (2, 0), "mode": (1,), "cummax": (1,), "cummin": (1,)}
    args = args[name]
    if name in ("median", "kthvalue"):  # PyTorch leaves the index among ties unspecified
        data = X
    ours = getattr(wl.tensor(data), name)(*args)
    theirs = getattr(torch.tensor(data), name)(*args)
    same(ours.values, theirs.values)
    same(ours.indices, theirs.indices)


@pytest.mark.parametrize("kwargs", [{}, {"return_inverse": True}, {"return_counts": True},
                                    {"return_inverse": True, "return_counts": True},
                                    {"dim": 0, "return_inverse": True}])
def test_unique(kwargs):
    data = np.array([[3, 1, 2], [3, 1, 2], [0, 7, 1]])
    ours, theirs = wl.unique(wl.tensor(data), **kwargs), torch.unique(torch.tensor(data), **kwargs)
    for a, b in zip(*((ours, theirs) if isinstance(ours, tuple) else ((ours,), (theirs,)))):
        same(a, b)


def test_nonzero_argwhere():
    data = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    same(wl.tensor(data).nonzero(), torch.tensor(data).nonzero())
    same(wl.argwhere(wl.tensor(data)), torch.argwhere(torch.tensor(data)))
    for a, b in zip(wl.nonzero(wl.tensor(data), as_tuple=True),
                    torch.nonzero(torch.tensor(data), as_tuple=True)):
        same(a, b)


@pytest.mark.parametrize("equal_nan", [False, True])
def test_isclose_special_values(equal_nan):
    a, b = SPECIAL[:, None], SPECIAL[None, :] * (1 + 1e-9)
    same(wl.isclose(wl.tensor(a), wl.tensor(b), equal_nan=equal_nan),
         torch.isclose(torch.tensor(a), torch.tensor(b), equal_nan=equal_nan))


def test_nan_to_num_and_logaddexp_at_infinities():
    same(wl.tensor(SPECIAL).nan_to_num(), torch.tensor(SPECIAL).nan_to_num())
    same(wl.nan_to_num(wl.tensor(SPECIAL, dtype=wl.float32), nan=1.0, posinf=2.0),
         torch.nan_to_num(torch.tensor(SPECIAL, dtype=torch.float32), nan=1.0, posinf=2.0))
    a = np.array([-INF, -INF, INF, 0.0, -INF])
    b = np.array([-INF, 1.0, INF, 0.0, INF])
    same(wl.logaddexp(wl.tensor(a), wl.tensor(b)),
         torch.logaddexp(torch.tensor(a), torch.tensor(b)))


def test_counts():
    data = np.array([0, 1, 1, 4, 2, 1])
    weights = np.array([0.5, 1.0, 2.0, -1.0, 0.25, 1.0], dtype=np.float32)
    same(wl.bincount(wl.tensor(data)), torch.bincount(torch.tensor(data)))
    same(wl.tensor(data).bincount(wl.tensor(weights), minlength=7),
         torch.tensor(data).bincount(torch.tensor(weights), minlength=7))
    same(wl.histc(wl.tensor(X), bins=5), torch.histc(torch.tensor(X), bins=5))
    same(wl.histc(wl.tensor(X), bins=4, min=-1, max=1), torch.histc(torch.tensor(X), 4, -1, 1))
    same(wl.histc(wl.ones(3), bins=4), torch.histc(torch.ones(3), bins=4))


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_scatter_reduce_values(reduce, include_self, dtype):
    x = (X * 3).astype(dtype)
    src = np.arange(1, 9).reshape(2, 4).astype(dtype) - 4
    index = np.array([[0, 1, 2, 0], [2, 0, 0, 1]])
    same(wl.tensor(x).scatter_reduce(0, wl.tensor(index), wl.tensor(src), reduce,
                                     include_self=include_self),
         torch.tensor(x).scatter_reduce(0, torch.tensor(index), torch.tensor(src), reduce,
                                        include_self=include_self))


def test_scatter_value_and_reduce():
    index = np.array([[0, 1, 2, 0]])
    same(wl.tensor(X).scatter(0, wl.tensor(index), value=-1.0),
         torch.tensor(X).scatter(0, torch.tensor(index), -1.0))
    same(wl.tensor(X).scatter(1, wl.tensor(index), wl.tensor(X), reduce="add"),
         torch.tensor(X).scatter_add(1, torch.tensor(index), torch.tensor(X)))


def test_scatter_reduce_prod_refuses_gradients():
    x = wl.tensor(X, requires_grad=True)
    with pytest.raises(NotImplementedError, match="prod"):
        x.scatter_reduce(0, wl.tensor([[0, 1, 2, 0]]), x[:1], "prod")
    with wl.no_grad():  # as the message advises
        same(x.scatter_reduce(0, wl.tensor([[0, 1, 2, 0]]), x[:1], "prod"),
             torch.tensor(X).scatter_reduce(0, torch.tensor([[0, 1, 2, 0]]), torch.tensor(X[:1]),
                                            "prod"))


@pytest.mark.parametrize("fn", [wl.nonzero, wl.unique, wl.histc, lambda x: x.mode(0),
                                lambda x: x.masked_select(x > 0)])
def test_data_dependent_functions_refuse_vmap(fn):
    with pytest.raises(RuntimeError, match="vmap cannot batch"):
        wl.func.vmap(fn)(wl.tensor(X))


@pytest.mark.parametrize("fn, data", [
    ("fmod", ([-7, 7, 5, -5], 3)), ("reciprocal", ([1, 2, 4],)), ("cumprod", ([1, 2, 3, 4], 0)),
    ("sinh", ([1, 2],)), ("log2", ([1, 8],)), ("exp2", ([3],)), ("float_power", ([2, 3], 2)),
    ("atan2", ([1, 2], [3, 4])), ("trace", ([[1, 2], [3, 4]],)), ("diff", ([True, False, False],)),
    ("nansum", ([1, 2],)), ("kron", ([1, 2], [3, 4])), ("cumprod", ([True, True, False], 0)),
])
def test_integer_and_bool_inputs_as_pytorch(fn, data):
    ours = [wl.tensor(d) if isinstance(d, list) else d for d in data]
    theirs = [torch.tensor(d) if isinstance(d, list) else d for d in data]
    same(getattr(wl, fn)(*ours), getattr(torch, fn)(*theirs))


def test_tensor_facts():
    x, t = wl.tensor(X), torch.tensor(X)
    assert x.element_size() == t.element_size() == 8
    assert wl.tensor([1], dtype=wl.int16).element_size() == 2
    assert x.stride() == t.stride() and x.T.stride() == t.T.stride() and x.stride(1) == 1
    assert x.expand(2, 3, 4).stride() == t.expand(2, 3, 4).stride()
    assert x.is_contiguous() and not x.T.is_contiguous()
    assert x.T.contiguous().is_contiguous() and x.contiguous() is x
    assert x.nelement() == 12


@pytest.mark.parametrize("make", ["new_zeros", "new_ones", "new_empty"])
def test_new_filled(make):
    x = wl.tensor([1, 2], dtype=wl.int32)
    out = getattr(x, make)(2, 3)
    assert out.shape == (2, 3) and out.dtype is wl.int32
    assert getattr(x, make)((4,), dtype=wl.float64).dtype is wl.float64
    if make != "new_empty":
        same(out, getattr(torch.tensor([1, 2], dtype=torch.int32), make)(2, 3))


def test_new_full_and_new_tensor():
    x = wl.tensor(X)
    same(x.new_full((2, 2), 3), torch.tensor(X).new_full((2, 2), 3))
    same(x.new_tensor([1, 2]), torch.tensor(X).new_tensor([1, 2]))
    assert x.new_tensor([1, 2], dtype=wl.int64).dtype is wl.int64


@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor",
                                  "BoolTensor"])
def test_legacy_constructors(name):
    ours, theirs = getattr(wl, name), getattr(torch, name)
    same(ours([1, 0, 2]), theirs([1, 0, 2]))
    assert ours(2, 3).shape == theirs(2, 3).shape and ours(2, 3).dtype.name == str(
        theirs(2, 3).dtype).removeprefix("torch.")
    assert ours(3).shape == (3,) and ours().shape == theirs().shape == (0,)


def test_tensor_with_sizes_as_pytorch():
    assert wl.Tensor(2, 3).shape == tuple(torch.Tensor(2, 3).shape)
    assert wl.Tensor(2, 3).dtype is wl.float32 and wl.Tensor().shape == (0,)
    # one integer is a size too, as PyTorch's (a legacy bias: Parameter(Tensor(out_features)))
    assert wl.Tensor(5).shape == tuple(torch.Tensor(5).shape) and wl.Tensor(5).dtype is wl.float32
    assert wl.nn.Parameter(wl.Tensor(4)).shape == (4,)
    # data stays data, and the dtype may be positional
    same(wl.Tensor([5]), np.array([5]))
    same(wl.Tensor([1, 2], wl.float64), np.array([1.0, 2.0]))


def test_empty_zeros_ones_rand_take_size_keyword():
    for make in (wl.empty, wl.zeros, wl.ones, wl.rand, wl.randn):
        assert make(size=(2, 3)).shape == (2, 3)
    with pytest.raises(TypeError, match="twice"):
        wl.zeros(2, size=(2,))


def test_format_spec_as_pytorch():
    assert f"{wl.tensor(1.23456):.3f}" == f"{torch.tensor(1.23456):.3f}" == "1.235"
    assert f"{wl.tensor(7):>4}" == f"{torch.tensor(7):>4}"
    assert f"{wl.tensor([1.5])}" == str(wl.tensor([1.5]))
    with pytest.raises(TypeError, match="unsupported format string"):
        f"{wl.tensor([1.5]):.3f}"
    with pytest.raises(TypeError, match="unsupported format string"):
        f"{torch.tensor([1.5]):.3f}"


def test_meshgrid_hstack_vstack_shapes():
    a, b, c = torch.arange(2), torch.arange(3), torch.arange(4)
    for indexing in ("ij", "xy"):
        for ours, theirs in zip(wl.meshgrid(wl.arange(2), wl.arange(3), wl.arange(4),
                                            indexing=indexing),
                                torch.meshgrid(a, b, c, indexing=indexing)):
            same(ours, theirs)
    same(wl.hstack([wl.arange(2), wl.arange(3)]), torch.hstack([a, b]))
    same(wl.vstack([wl.arange(3), wl.arange(3)]), torch.vstack([b, b]))


def test_errors_name_the_op_and_shapes():
    x = wl.tensor(X)
    with pytest.raises(ValueError, match="index_add: source of shape"):
        x.index_add(0, wl.tensor([0, 1]), wl.ones(3, 4))
    with pytest.raises(ValueError, match="diag: expected a 1-D or 2-D tensor"):
        wl.diag(wl.ones(2, 2, 2))
    with pytest.raises(ValueError, match="quantile: q must be"):
        x.quantile(1.5)
    with pytest.raises(ValueError, match="cdist: expected x1"):
        wl.cdist(x, wl.ones(2, 3))
    with pytest.raises(IndexError, match="kthvalue: position 9"):
        x.kthvalue(9)
    with pytest.raises(ValueError, match="bincount: expected a 1-D integer"):
        wl.bincount(x)


def test_median_and_quantile_with_nan_as_pytorch():
    data = np.array([[1.0, np.nan, 3.0, np.nan], [2.0, 1.0, 0.0, 5.0]])
    ours, theirs = wl.tensor(data), torch.tensor(data)
    same(ours.median(1).values, theirs.median(1).values)
    same(ours.median(1).indices, theirs.median(1).indices)
    same(ours.median(), theirs.median())
    same(ours.quantile(0.5, 1), theirs.quantile(0.5, 1))
    same(ours.kthvalue(4, 1).values, theirs.kthvalue(4, 1).values)  # NaN sorts last, no more


def test_legacy_types_cast_and_check():
    x = wl.tensor([1, 2])
    same(x.type(wl.FloatTensor), torch.tensor([1, 2]).type(torch.FloatTensor))
    assert isinstance(x, wl.LongTensor) and not isinstance(x, wl.FloatTensor)
    assert isinstance(x.double(), wl.DoubleTensor)
    same(x.new(2, 3).shape, torch.tensor([1, 2]).new(2, 3).shape)
    same(x.new([1.5, 2.5]), torch.tensor([1, 2]).new([1.5, 2.5]))
