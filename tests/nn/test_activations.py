"""Activation functions and layers against PyTorch (outputs and input gradients, float64 and
float32, train and eval mode), at kinks and at +-1e4, through gradcheck, vmap and jvp."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import wonderland as wl
import wonderland.nn.functional as F
from wonderland import nn

RNG = np.random.default_rng(0)
DTYPES = {"float64": (wl.float64, torch.float64, 1e-10, 1e-12),
          "float32": (wl.float32, torch.float32, 2e-5, 1e-5)}

# (name, wonderland function, torch function, keyword arguments)
FUNCTIONS = [
    ("relu", F.relu, TF.relu, {}),
    ("leaky_relu", F.leaky_relu, TF.leaky_relu, {}),
    ("leaky_relu", F.leaky_relu, TF.leaky_relu, {"negative_slope": 0.2}),
    ("elu", F.elu, TF.elu, {}),
    ("elu", F.elu, TF.elu, {"alpha": 0.5}),
    ("gelu", F.gelu, TF.gelu, {}),
    ("gelu", F.gelu, TF.gelu, {"approximate": "tanh"}),
    ("silu", F.silu, TF.silu, {}),
    ("mish", F.mish, TF.mish, {}),
    ("softplus", F.softplus, TF.softplus, {}),
    ("softplus", F.softplus, TF.softplus, {"beta": 2.0, "threshold": 3.0}),
    ("softplus", F.softplus, TF.softplus, {"beta": 0.5, "threshold": 1.0}),
    ("sigmoid", F.sigmoid, torch.sigmoid, {}),
    ("tanh", F.tanh, torch.tanh, {}),
    ("hardtanh", F.hardtanh, TF.hardtanh, {}),
    ("hardtanh", F.hardtanh, TF.hardtanh, {"min_val": -0.5, "max_val": 2.0}),
    ("softmax", F.softmax, TF.softmax, {"dim": 0}),
    ("softmax", F.softmax, TF.softmax, {"dim": -1}),
    ("softmax", F.softmax, TF.softmax, {"dim": 1}),
    ("log_softmax", F.log_softmax, TF.log_softmax, {"dim": 0}),
    ("log_softmax", F.log_softmax, TF.log_softmax, {"dim": -1}),
    ("log_softmax", F.log_softmax, TF.log_softmax, {"dim": 1}),
    ("glu", F.glu, TF.glu, {}),
    ("glu", F.glu, TF.glu, {"dim": 0}),
    ("glu", F.glu, TF.glu, {"dim": 1}),
]
FUNCTION_IDS = [f"{name}-{kw}" for name, _, _, kw in FUNCTIONS]

# (wonderland layer, torch layer, constructor arguments)
LAYERS = [
    (nn.ReLU, torch.nn.ReLU, {}),
    (nn.LeakyReLU, torch.nn.LeakyReLU, {"negative_slope": 0.1}),
    (nn.ELU, torch.nn.ELU, {"alpha": 1.5}),
    (nn.GELU, torch.nn.GELU, {}),
    (nn.GELU, torch.nn.GELU, {"approximate": "tanh"}),
    (nn.SiLU, torch.nn.SiLU, {}),
    (nn.Mish, torch.nn.Mish, {}),
    (nn.Softplus, torch.nn.Softplus, {"beta": 1.5, "threshold": 4.0}),
    (nn.Sigmoid, torch.nn.Sigmoid, {}),
    (nn.Tanh, torch.nn.Tanh, {}),
    (nn.Hardtanh, torch.nn.Hardtanh, {"min_val": -2.0, "max_val": 0.5}),
    (nn.Softmax, torch.nn.Softmax, {"dim": 1}),
    (nn.LogSoftmax, torch.nn.LogSoftmax, {"dim": -1}),
    (nn.GLU, torch.nn.GLU, {"dim": 2}),
]
LAYER_IDS = [f"{w.__name__}-{kw}" for w, _, kw in LAYERS]


def compare(wl_fn, torch_fn, a: np.ndarray, dtype: str):
    """Both functions on the same values: outputs, then input gradients of <g, f(x)>."""
    wd, td, rtol, atol = DTYPES[dtype]
    x = wl.tensor(a, dtype=wd, requires_grad=True)
    xt = torch.tensor(a, dtype=td, requires_grad=True)
    y, yt = wl_fn(x), torch_fn(xt)
    assert y.shape == tuple(yt.shape) and y.dtype is wd
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=rtol, atol=atol)
    g = RNG.standard_normal(y.shape)
    (y * wl.tensor(g, dtype=wd)).sum().backward()
    (yt * torch.tensor(g, dtype=td)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=rtol, atol=atol)
    return y


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 6), (2, 4, 6)])
@pytest.mark.parametrize("name,fn,tfn,kw", FUNCTIONS, ids=FUNCTION_IDS)
def test_function_matches_torch(name, fn, tfn, kw, shape, dtype):
    a = RNG.standard_normal(shape) * 3
    compare(lambda x: fn(x, **kw), lambda x: tfn(x, **kw), a, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,fn,tfn,kw", FUNCTIONS, ids=FUNCTION_IDS)
def test_function_at_kinks_matches_torch(name, fn, tfn, kw, dtype):
    """Zero, the hardtanh bounds and the softplus thresholds: the same one-sided slopes."""
    special = [0.0, -1.0, 1.0, -0.5, 2.0, 20.0, 1.5, 2.0, -20.0, 0.0, 3.0, 0.25]
    a = np.array(special * 2).reshape(4, 6)
    compare(lambda x: fn(x, **kw), lambda x: tfn(x, **kw), a, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,fn,tfn,kw", FUNCTIONS, ids=FUNCTION_IDS)
def test_function_at_1e4_is_finite_and_matches_torch(name, fn, tfn, kw, dtype):
    a = np.array([[-1e4, 0.0, 1e4, 5.0], [1e4, 1e4, -1e4, -1e4], [-1e4, -1e4, -1e4, -1e4],
                  [1e4, -3.0, 1e4, 2.0]])
    y = compare(lambda x: fn(x, **kw), lambda x: tfn(x, **kw), a, dtype)
    assert np.isfinite(y.detach().numpy()).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("layer,tlayer,kw", LAYERS, ids=LAYER_IDS)
def test_layer_matches_torch(layer, tlayer, kw, mode, dtype):
    m, tm = layer(**kw), tlayer(**kw)
    getattr(m, mode)(), getattr(tm, mode)()
    assert m.training == (mode == "train")
    assert repr(m) == repr(tm)
    assert list(m.parameters()) == [] and m.state_dict() == {}
    compare(m, tm, RNG.standard_normal((3, 4, 6)) * 2, dtype)


@pytest.mark.parametrize("layer,tlayer,kw", [
    (nn.ReLU, torch.nn.ReLU, {"inplace": True}),
    (nn.LeakyReLU, torch.nn.LeakyReLU, {"negative_slope": 0.2, "inplace": True}),
    (nn.ELU, torch.nn.ELU, {"inplace": True}),
    (nn.SiLU, torch.nn.SiLU, {"inplace": True}),
    (nn.Hardtanh, torch.nn.Hardtanh, {"inplace": True}),
    (nn.Softmax, torch.nn.Softmax, {}),
    (nn.GLU, torch.nn.GLU, {}),
])
def test_repr_like_torch(layer, tlayer, kw):
    assert repr(layer(**kw)) == repr(tlayer(**kw))


@pytest.mark.parametrize("name,kw", [("ReLU", {}), ("LeakyReLU", {"negative_slope": 0.2}),
                                     ("ELU", {"alpha": 0.5}), ("SiLU", {}), ("Mish", {}),
                                     ("Hardtanh", {"min_val": -0.5, "max_val": 0.5})])
def test_inplace_writes_into_the_input_and_gradients_flow_as_in_pytorch(name, kw):
    values = np.random.default_rng(3).standard_normal((4, 3))
    w = np.arange(15.0).reshape(5, 3) / 10 - 0.7
    out = {}
    for lib, layers in ((wl, nn), (torch, torch.nn)):
        x, weight = lib.tensor(values), lib.tensor(w, requires_grad=True)
        hidden = lib.nn.functional.linear(x, weight)
        y = getattr(layers, name)(inplace=True, **kw)(hidden)
        assert y is hidden  # the layer's output is its input, written in place
        (y * y).sum().backward()
        plain = lib.tensor(values)
        kept = getattr(layers, name)(inplace=True, **kw)(plain)
        out[lib] = (y.detach().numpy(), weight.grad.numpy(), plain.numpy(), kept is plain)
    for ours, theirs in zip(out[wl], out[torch]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_inplace_on_a_leaf_that_requires_grad_raises_as_in_pytorch():
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        nn.ReLU(inplace=True)(wl.tensor([-1.0, 2.0], requires_grad=True))
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        torch.nn.ReLU(inplace=True)(torch.tensor([-1.0, 2.0], requires_grad=True))


@pytest.mark.parametrize("fn,tfn,dim_of", [(F.softmax, TF.softmax, {1: 0, 2: 1, 3: 0, 4: 1}),
                                           (F.log_softmax, TF.log_softmax,
                                            {1: 0, 2: 1, 3: 0, 4: 1})])
def test_softmax_implicit_dim_as_torch(fn, tfn, dim_of):
    for ndim, dim in dim_of.items():
        a = RNG.standard_normal((2,) * ndim)
        with pytest.warns(UserWarning, match="Implicit dimension"):
            y = fn(wl.tensor(a))
        np.testing.assert_allclose(y.numpy(), fn(wl.tensor(a), dim).numpy())
        with pytest.warns(UserWarning):
            np.testing.assert_allclose(y.numpy(), tfn(torch.tensor(a)).numpy(), rtol=1e-12)


def test_softmax_dtype_argument():
    x = wl.tensor([[1.0, 2.0, 3.0]], dtype=wl.float32)
    y = F.softmax(x, 1, dtype=wl.float64)
    assert y.dtype is wl.float64
    want = TF.softmax(torch.tensor([[1.0, 2.0, 3.0]]), 1, dtype=torch.float64)
    np.testing.assert_allclose(y.numpy(), want.numpy(), rtol=1e-12)


def test_softmax_of_a_scalar_is_one():
    assert F.softmax(wl.tensor(3.0), 0).item() == 1.0
    assert F.log_softmax(wl.tensor(3.0), 0).item() == 0.0


@pytest.mark.parametrize("fn", [
    F.leaky_relu, F.elu, F.gelu, lambda x: F.gelu(x, approximate="tanh"), F.silu, F.mish,
    F.softplus, lambda x: F.softplus(x, beta=2.0, threshold=1.0), F.hardtanh,
    lambda x: F.softmax(x, 1), lambda x: F.log_softmax(x, 0), lambda x: F.glu(x, 1),
])
def test_gradcheck(fn):
    x = wl.tensor(RNG.standard_normal((3, 4)) * 2, dtype=wl.float64, requires_grad=True)
    assert wl.autograd.gradcheck(fn, (x,))


@pytest.mark.parametrize("fn", [
    lambda x: F.softmax(x, -1), lambda x: F.log_softmax(x, 0), lambda x: F.glu(x, -1),
    F.gelu, F.softplus, F.elu, F.mish, F.hardtanh,
])
def test_vmap_matches_the_batch(fn):
    xs = wl.tensor(RNG.standard_normal((5, 4, 6)), dtype=wl.float64)
    got = wl.func.vmap(fn)(xs)
    want = wl.stack([fn(x) for x in xs])
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name,fn,tfn,kw", FUNCTIONS, ids=FUNCTION_IDS)
def test_jvp_matches_torch_func(name, fn, tfn, kw):
    a, v = RNG.standard_normal((4, 6)) * 2, RNG.standard_normal((4, 6))
    y, dy = wl.func.jvp(lambda x: fn(x, **kw), (wl.tensor(a),), (wl.tensor(v),))
    yt, dyt = torch.func.jvp(lambda x: tfn(x, **kw), (torch.tensor(a),), (torch.tensor(v),))
    np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dy.numpy(), dyt.numpy(), rtol=1e-10, atol=1e-12)


def test_second_derivative_of_log_softmax_matches_torch():
    a = RNG.standard_normal((3, 5))
    x = wl.tensor(a, requires_grad=True)
    xt = torch.tensor(a, requires_grad=True)
    (g,) = wl.autograd.grad(F.log_softmax(x, 1)[:, 0].sum(), [x], create_graph=True)
    (gt,) = torch.autograd.grad(TF.log_softmax(xt, 1)[:, 0].sum(), [xt], create_graph=True)
    (h,) = wl.autograd.grad((g * g).sum(), [x])
    (ht,) = torch.autograd.grad((gt * gt).sum(), [xt])
    np.testing.assert_allclose(h.numpy(), ht.numpy(), rtol=1e-10, atol=1e-12)


def test_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"GLU\(dim=1\).*dimension 1 has even size.*\(2, 3\)"):
        nn.GLU(dim=1)(wl.ones(2, 3))
    with pytest.raises(ValueError, match=r"glu: .*\(2, 3\) has size 3"):
        F.glu(wl.ones(2, 3))
    with pytest.raises(IndexError, match="softmax: dimension 2 is out of range"):
        F.softmax(wl.ones(2, 3), 2)
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(wl.ones(2), approximate="fast")
    with pytest.raises(ValueError, match="Hardtanh: min_val"):
        nn.Hardtanh(1.0, -1.0)


def test_dropout_inplace_writes_into_its_input():
    wl.manual_seed(0)
    x = wl.ones(1000, dtype=wl.float64)
    y = F.dropout(x, 0.5, training=True, inplace=True)
    assert y is x and set(np.unique(x.numpy())) <= {0.0, 2.0} and 0 < (x.numpy() == 0).sum() < 1000
    z = wl.ones(2, 3, 4, 4, dtype=wl.float64)
    assert F.dropout2d(z, 0.5, inplace=True) is z
    assert set(np.unique(z.numpy())) <= {0.0, 2.0}
