"""Linear, Bilinear, Identity, Flatten and Unflatten against PyTorch with the same weights and
inputs (float64 and float32, train and eval): outputs, input and parameter gradients; default
initialisation; errors; gradcheck, vmap and jvp of the functional forms."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import wonderland as wl
import wonderland.nn.functional as F
from wonderland import nn

RNG = np.random.default_rng(1)
DTYPES = {"float64": (wl.float64, torch.float64, 1e-10, 1e-12),
          "float32": (wl.float32, torch.float32, 1e-5, 1e-5)}


def copy_weights(m: nn.Module, tm: torch.nn.Module, wd) -> None:
    """Load the torch module's state into the wonderland module (which must accept its keys)."""
    m.load_state_dict({k: wl.tensor(v.detach().numpy(), dtype=wd)
                       for k, v in tm.state_dict().items()})


def compare_layer(m, tm, arrays, dtype, mode="train"):
    """Same weights, same inputs: outputs, input gradients and parameter gradients agree."""
    wd, td, rtol, atol = DTYPES[dtype]
    m.to(dtype=wd), tm.to(td)
    copy_weights(m, tm, wd)
    getattr(m, mode)(), getattr(tm, mode)()
    xs = [wl.tensor(a, dtype=wd, requires_grad=True) for a in arrays]
    xts = [torch.tensor(a, dtype=td, requires_grad=True) for a in arrays]
    y, yt = m(*xs), tm(*xts)
    assert y.shape == tuple(yt.shape) and y.dtype is wd
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=rtol, atol=atol)
    g = RNG.standard_normal(y.shape)
    (y * wl.tensor(g, dtype=wd)).sum().backward()
    (yt * torch.tensor(g, dtype=td)).sum().backward()
    for x, xt in zip(xs, xts):
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=rtol, atol=atol)
    params, tparams = dict(m.named_parameters()), dict(tm.named_parameters())
    assert params.keys() == tparams.keys()
    for name, p in params.items():
        np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), rtol=rtol,
                                   atol=atol, err_msg=name)


MODES = ["train", "eval"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n_in,n_out,bias,shape", [
    (5, 3, True, (4, 5)), (5, 3, False, (4, 5)), (7, 2, True, (2, 3, 7)), (4, 6, True, (4,)),
    (1, 1, True, (3, 1)), (6, 8, False, (2, 1, 3, 6)),
])
def test_linear_matches_torch(n_in, n_out, bias, shape, mode, dtype):
    m, tm = nn.Linear(n_in, n_out, bias=bias), torch.nn.Linear(n_in, n_out, bias=bias)
    assert repr(m) == repr(tm)
    assert list(m.state_dict()) == list(tm.state_dict())
    compare_layer(m, tm, [RNG.standard_normal(shape)], dtype, mode)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n1,n2,n_out,bias,lead", [
    (3, 4, 5, True, (6,)), (2, 3, 4, False, (6,)), (3, 2, 2, True, (2, 3)), (4, 4, 1, True, ()),
])
def test_bilinear_matches_torch(n1, n2, n_out, bias, lead, mode, dtype):
    m, tm = nn.Bilinear(n1, n2, n_out, bias=bias), torch.nn.Bilinear(n1, n2, n_out, bias=bias)
    assert repr(m) == repr(tm)
    a1, a2 = RNG.standard_normal(lead + (n1,)), RNG.standard_normal(lead + (n2,))
    compare_layer(m, tm, [a1, a2], dtype, mode)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("make,tmake,shape", [
    (lambda: nn.Identity(3, unused=True), lambda: torch.nn.Identity(3, unused=True), (2, 3)),
    (nn.Flatten, torch.nn.Flatten, (2, 3, 4, 5)),
    (lambda: nn.Flatten(0, 1), lambda: torch.nn.Flatten(0, 1), (2, 3, 4)),
    (lambda: nn.Flatten(-3, -2), lambda: torch.nn.Flatten(-3, -2), (2, 3, 4, 5)),
    (lambda: nn.Unflatten(1, (2, 6)), lambda: torch.nn.Unflatten(1, (2, 6)), (3, 12)),
    (lambda: nn.Unflatten(-1, (2, -1, 3)), lambda: torch.nn.Unflatten(-1, (2, -1, 3)),
     (4, 2, 12)),
])
def test_shape_layers_match_torch(make, tmake, shape, mode, dtype):
    m, tm = make(), tmake()
    assert repr(m) == repr(tm)
    compare_layer(m, tm, [RNG.standard_normal(shape)], dtype, mode)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
def test_small_network_matches_torch(mode, dtype):
    m = nn.Sequential(nn.Linear(6, 8), nn.GELU(), nn.Linear(8, 8), nn.Tanh(),
                      nn.Unflatten(1, (2, 4)), nn.Flatten(), nn.Linear(8, 3), nn.LogSoftmax(1))
    tm = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.GELU(), torch.nn.Linear(8, 8),
                             torch.nn.Tanh(), torch.nn.Unflatten(1, (2, 4)), torch.nn.Flatten(),
                             torch.nn.Linear(8, 3), torch.nn.LogSoftmax(1))
    compare_layer(m, tm, [RNG.standard_normal((5, 6))], dtype, mode)


def test_linear_default_init_as_torch():
    """weight and bias uniform on +-1/sqrt(in_features) (kaiming_uniform_ with a=sqrt(5))."""
    m = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert w.shape == (300, 400) and b.shape == (300,) and m.weight.dtype is wl.float32
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound and abs(w.mean()) < 0.01 * bound
    assert m.weight.requires_grad and m.bias.requires_grad
    assert nn.Linear(3, 2, dtype=wl.float64).weight.dtype is wl.float64


def test_bilinear_default_init_as_torch():
    m = nn.Bilinear(25, 30, 40)
    bound = 1 / math.sqrt(25)
    w = m.weight.detach().numpy()
    assert w.shape == (40, 25, 30) and np.abs(w).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert np.abs(m.bias.detach().numpy()).max() <= bound


def test_init_follows_the_seed():
    wl.manual_seed(7)
    a = nn.Linear(4, 3).weight.detach().numpy().copy()
    wl.manual_seed(7)
    b = nn.Linear(4, 3).weight.detach().numpy()
    np.testing.assert_array_equal(a, b)


def test_no_bias_has_no_bias_parameter():
    m = nn.Linear(3, 2, bias=False)
    assert m.bias is None and [n for n, _ in m.named_parameters()] == ["weight"]
    assert m.num_parameters() == 6


def test_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"Linear\(in_features=5.*\(\*, 5\).*\(4, 6\)"):
        nn.Linear(5, 3)(wl.ones(4, 6))
    with pytest.raises(ValueError, match=r"Linear\(in_features=5.*\(\*, 5\).*\(\)"):
        nn.Linear(5, 3)(wl.tensor(1.0))
    with pytest.raises(ValueError, match=r"linear: input of shape \(4, 6\).*weight of shape "
                                         r"\(3, 5\)"):
        F.linear(wl.ones(4, 6), wl.ones(3, 5))
    with pytest.raises(ValueError, match=r"Bilinear\(in1_features=2.*\(\*, 2\) and \(\*, 3\)"
                                         r".*\(4, 2\) and \(4, 4\)"):
        nn.Bilinear(2, 3, 1)(wl.ones(4, 2), wl.ones(4, 4))
    with pytest.raises(ValueError, match="same leading dimensions"):
        nn.Bilinear(2, 3, 1)(wl.ones(4, 2), wl.ones(5, 3))
    with pytest.raises(ValueError, match=r"bilinear: weight must be 3-D.*\(2, 3\)"):
        F.bilinear(wl.ones(2), wl.ones(3), wl.ones(2, 3))


def test_gradcheck_linear_and_bilinear():
    def t(*shape):
        return wl.tensor(RNG.standard_normal(shape), requires_grad=True)

    assert wl.autograd.gradcheck(F.linear, (t(3, 4), t(2, 4), t(2)))
    assert wl.autograd.gradcheck(F.bilinear, (t(3, 2), t(3, 4), t(5, 2, 4), t(5)))


def test_vmap_with_per_example_weights():
    x, w = wl.tensor(RNG.standard_normal((6, 4))), wl.tensor(RNG.standard_normal((6, 3, 4)))
    b = wl.tensor(RNG.standard_normal(3))
    got = wl.func.vmap(lambda xi, wi: F.linear(xi, wi, b))(x, w)
    want = wl.einsum("ni,noi->no", x, w) + b
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    x1, x2 = wl.tensor(RNG.standard_normal((6, 2))), wl.tensor(RNG.standard_normal((6, 3)))
    wb = wl.tensor(RNG.standard_normal((4, 2, 3)))
    got = wl.func.vmap(lambda a, c: F.bilinear(a, c, wb))(x1, x2)
    np.testing.assert_allclose(got.numpy(), F.bilinear(x1, x2, wb).numpy(), rtol=1e-12)


def test_jvp_matches_torch_func():
    arrays = [RNG.standard_normal(s) for s in [(3, 4), (2, 4), (2,)]]
    tangents = [RNG.standard_normal(a.shape) for a in arrays]
    y, dy = wl.func.jvp(F.linear, [wl.tensor(a) for a in arrays],
                        [wl.tensor(v) for v in tangents])
    yt, dyt = torch.func.jvp(TF.linear, tuple(torch.tensor(a) for a in arrays),
                             tuple(torch.tensor(v) for v in tangents))
    np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-12)
    np.testing.assert_allclose(dy.numpy(), dyt.numpy(), rtol=1e-12)
