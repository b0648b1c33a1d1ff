"""Creating tensors: filled, ranges, identity, random and *_like factories; seeding and
Generator streams; how sizes are given and which are refused."""
import numpy as np
import pytest
import torch

import wonderland as wl


def torch_name(t):
    return str(t.dtype).removeprefix("torch.")


# --- filled -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
def test_filled_factories_match_torch(name):
    for size in [(), (3,), (2, 3), (0, 4)]:
        for dtype in [None, "float64", "int32", "bool"]:
            x = getattr(wl, name)(size, dtype=dtype)
            ref = getattr(torch, name)(size, dtype=None if dtype is None else getattr(torch, dtype))
            assert x.shape == tuple(ref.shape) and x.dtype.name == torch_name(ref)
            if name != "empty":
                assert x.tolist() == ref.tolist()


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_sizes_as_varargs_tuple_or_list(name):
    fn = getattr(wl, name)
    assert fn(2, 3).shape == fn((2, 3)).shape == fn([2, 3]).shape == (2, 3)
    assert fn().shape == () and fn(0).shape == (0,)
    assert fn(np.int64(2), wl.tensor(3)).shape == (2, 3)


@pytest.mark.parametrize("make", [
    lambda: wl.zeros(2, -1), lambda: wl.ones((-1,)), lambda: wl.empty(-3),
    lambda: wl.rand(2, -2), lambda: wl.randn(-1), lambda: wl.full((2, -1), 1.0),
    lambda: wl.randint(0, 5, (-1,)), lambda: wl.eye(-1), lambda: wl.randperm(-1),
])
def test_negative_sizes_are_rejected(make):
    with pytest.raises(ValueError, match="negative"):
        make()


def test_non_integer_sizes_are_rejected():
    with pytest.raises(TypeError, match="integers"):
        wl.zeros(2.5)
    with pytest.raises(TypeError, match="integers"):
        wl.ones((2, "3"))


def test_full():
    for fill in [3, 2.5, True]:
        x, ref = wl.full((2, 3), fill), torch.full((2, 3), fill)
        assert x.dtype.name == torch_name(ref) and x.tolist() == ref.tolist()
    assert wl.full(4, 1.0).shape == (4,)
    assert wl.full((2,), 7, dtype=wl.float64).tolist() == [7.0, 7.0]
    x = wl.full((2,), 1.5, requires_grad=True)
    assert x.requires_grad and x.is_leaf


def test_requires_grad_and_device_arguments():
    for x in [wl.zeros(2, requires_grad=True), wl.ones(2, requires_grad=True),
              wl.rand(2, requires_grad=True), wl.randn(2, requires_grad=True),
              wl.eye(2, requires_grad=True), wl.arange(0.0, 2.0, requires_grad=True),
              wl.linspace(0, 1, 3, requires_grad=True)]:
        assert x.requires_grad and x.is_leaf and x.grad_fn is None
    with pytest.raises(RuntimeError, match="floating point"):
        wl.zeros(2, dtype=wl.int64, requires_grad=True)
    for x in [wl.zeros(2, device="fakedev"), wl.arange(3, device="fakedev"),
              wl.randn(2, device="fakedev"), wl.eye(2, device="fakedev"),
              wl.randint(0, 4, (2,), device="fakedev"), wl.randperm(3, device="fakedev"),
              wl.tensor([1.0], device="fakedev"), wl.full((1,), 2.0, device="fakedev")]:
        assert x.device.type == "fakedev"


# --- ranges and identity ----------------------------------------------------------------------
@pytest.mark.parametrize("args", [
    (5,), (2, 9), (9, 2, -2), (0, 10, 3), (-3, 3), (4, 4),
    (0.0, 1.0, 0.1), (1.5,), (0, 2.5), (-1.0, 1.0, 0.25), (0, 1, 0.3), (10.0, 0.0, -1.5),
    (0.1, 0.95, 0.05),
])
def test_arange_matches_torch(args):
    x, ref = wl.arange(*args), torch.arange(*args)
    assert x.dtype.name == torch_name(ref) and x.shape == tuple(ref.shape)
    np.testing.assert_allclose(x.numpy(), ref.numpy(), rtol=1e-6, atol=1e-7)


def test_arange_dtype_and_errors():
    assert wl.arange(4, dtype=wl.float64).tolist() == [0.0, 1.0, 2.0, 3.0]
    assert wl.arange(wl.tensor(3)).tolist() == [0, 1, 2]
    assert wl.arange(np.float64(2.0)).dtype is wl.float32
    with pytest.raises(ValueError, match="nonzero"):
        wl.arange(0, 5, 0)
    with pytest.raises(ValueError, match="cannot be reached"):
        wl.arange(0, 5, -1)


@pytest.mark.parametrize("args", [(0, 1, 5), (-2.0, 3.0, 7), (1, 1, 3), (0, 1, 1), (0, 1, 0),
                                  (3, -3, 11)])
def test_linspace_matches_torch(args):
    x, ref = wl.linspace(*args), torch.linspace(*args)
    assert x.dtype.name == torch_name(ref) and x.shape == tuple(ref.shape)
    np.testing.assert_allclose(x.numpy(), ref.numpy(), rtol=1e-6, atol=1e-6)
    assert wl.linspace(*args, dtype=wl.float64).dtype is wl.float64
    with pytest.raises(ValueError, match="non-negative"):
        wl.linspace(0, 1, -1)


@pytest.mark.parametrize("args", [(3,), (2, 4), (4, 2), (0,), (1, 0)])
def test_eye_matches_torch(args):
    x, ref = wl.eye(*args), torch.eye(*args)
    assert x.dtype.name == torch_name(ref) and x.tolist() == ref.tolist()
    assert wl.eye(*args, dtype=wl.int64).tolist() == torch.eye(*args, dtype=torch.int64).tolist()


# --- random -----------------------------------------------------------------------------------
def test_random_values_have_the_right_distribution():
    u = wl.rand(200_000).numpy()
    assert u.dtype == np.float32 and 0.0 <= u.min() and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.var() - 1 / 12) < 0.005
    n = wl.randn(200_000, dtype=wl.float64).numpy()
    assert n.dtype == np.float64 and abs(n.mean()) < 0.01 and abs(n.std() - 1) < 0.01
    k = wl.randint(3, 7, (100_000,)).numpy()
    assert k.dtype == np.int64 and set(np.unique(k)) == {3, 4, 5, 6}
    assert set(np.unique(wl.randint(4, (1000,)).numpy())) == {0, 1, 2, 3}  # randint(high, size)
    assert set(np.unique(wl.randint(4, size=(1000,)).numpy())) == {0, 1, 2, 3}
    assert wl.randint(0, 5, (3,), dtype=wl.int32).dtype is wl.int32
    p = wl.randperm(50)
    assert p.dtype is wl.int64 and sorted(p.tolist()) == list(range(50))
    assert p.tolist() != list(range(50))
    assert wl.randperm(0).shape == (0,)


def test_random_refuses_what_it_cannot_sample():
    with pytest.raises(TypeError, match="floating"):
        wl.rand(3, dtype=wl.int64)
    with pytest.raises(TypeError, match="floating"):
        wl.randn_like(wl.zeros(2, dtype=wl.int32))
    with pytest.raises(ValueError, match="empty range"):
        wl.randint(5, 5, (2,))


def test_manual_seed_reproduces():
    wl.manual_seed(123)
    a = [wl.rand(4), wl.randn(3, 2), wl.randint(0, 100, (5,)), wl.randperm(8)]
    wl.manual_seed(123)
    b = [wl.rand(4), wl.randn(3, 2), wl.randint(0, 100, (5,)), wl.randperm(8)]
    for x, y in zip(a, b):
        assert x.tolist() == y.tolist()
    assert wl.initial_seed() == 123
    wl.manual_seed(124)
    assert wl.rand(4).tolist() != a[0].tolist()
    wl.manual_seed(-1)  # negative seeds are accepted, as in torch
    assert wl.initial_seed() == 2**64 - 1
    s = wl.seed()
    first = wl.rand(3).tolist()
    wl.manual_seed(s)
    assert wl.rand(3).tolist() == first


def test_generators_are_independent_and_reproducible():
    g1, g2 = wl.Generator(7), wl.Generator().manual_seed(7)
    wl.manual_seed(0)
    plain = wl.rand(5).tolist()
    wl.manual_seed(0)
    a = wl.randn(6, generator=g1).tolist()
    b = wl.randn(6, generator=g2).tolist()
    assert a == b  # same seed, same stream
    assert wl.rand(5).tolist() == plain  # drawing from g1 and g2 left the default stream alone
    assert wl.randn(6, generator=g1).tolist() != a  # g1 moved on
    g3 = wl.Generator(8)
    assert wl.randn(6, generator=g3).tolist() != a
    state = g1.get_state()
    nxt = wl.randint(0, 1000, (4,), generator=g1).tolist()
    g1.set_state(state)
    assert wl.randint(0, 1000, (4,), generator=g1).tolist() == nxt
    p1, p2 = wl.Generator(3), wl.Generator(3)
    assert wl.randperm(20, generator=p1).tolist() == wl.randperm(20, generator=p2).tolist()
    assert wl.Generator(5).initial_seed() == 5


# --- *_like -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "empty_like", "rand_like",
                                  "randn_like", "full_like", "randint_like"])
def test_like_factories_follow_shape_dtype_device(name):
    fn = getattr(wl, name)
    extra = {"full_like": (4.0,), "randint_like": (5,)}.get(name, ())
    x = wl.zeros(2, 3, dtype=wl.float64, device="fakedev")
    y = fn(x, *extra)
    assert y.shape == (2, 3) and y.dtype is wl.float64 and y.device == x.device
    assert not y.requires_grad
    if name in ("zeros_like", "ones_like", "full_like"):
        ref = getattr(torch, name)(torch.zeros(2, 3, dtype=torch.float64), *extra)
        assert y.tolist() == ref.tolist()
    z = fn(wl.zeros(4), *extra, dtype=wl.float16)
    assert z.dtype is wl.float16 and z.shape == (4,)
    if name == "randint_like":
        assert set(fn(wl.zeros(1000, dtype=wl.int32), 5).numpy().tolist()) == set(range(5))


def test_like_factories_on_int_tensors_and_overrides():
    x = wl.tensor([[1, 2]], dtype=wl.int32)
    assert wl.zeros_like(x).dtype is wl.int32 and wl.ones_like(x).tolist() == [[1, 1]]
    assert wl.full_like(x, 7.5).tolist() == torch.full_like(torch.zeros(1, 2, dtype=torch.int32),
                                                           7.5).tolist()
    assert wl.zeros_like(x, device="fakedev").device.type == "fakedev"
    g = wl.zeros_like(wl.zeros(2), requires_grad=True)
    assert g.requires_grad and g.is_leaf
    assert wl.ones_like(wl.zeros(2, requires_grad=True)).requires_grad is False


def test_as_tensor_and_from_numpy_share_memory():
    a = np.arange(3.0)
    assert np.shares_memory(wl.as_tensor(a).numpy(), a)
    assert wl.as_tensor(a).dtype is wl.float64
    assert not np.shares_memory(wl.as_tensor(a, dtype=wl.float32).numpy(), a)
    t = wl.tensor([1.0, 2.0])
    assert wl.as_tensor(t) is t
    assert wl.as_tensor([1, 2]).dtype is wl.int64
    b = np.zeros(2)
    x = wl.from_numpy(b)
    b[0] = 5.0
    assert x.tolist() == [5.0, 0.0]
