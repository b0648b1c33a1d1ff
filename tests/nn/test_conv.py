"""Convolutions against PyTorch (identical weights and inputs, float64): outputs, input and
parameter gradients over many configurations; finite differences in both modes to second
order; per-example use under vmap; initialisation, repr and errors naming the layer."""
import math

import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland import nn
from wonderland.nn import functional as F

TF = torch.nn.functional
RNG = np.random.default_rng(0)
ATOL = 1e-10


def _close(ours, theirs, what):
    np.testing.assert_allclose(np.asarray(ours), theirs.detach().numpy(), rtol=1e-9,
                               atol=ATOL, err_msg=what)


def _compare(y, yt, pairs):
    """Outputs, then the gradients of <y, g> for a random g: pairs of (ours, theirs, name)."""
    if isinstance(yt, tuple):
        y, yt = y[0], yt[0]
    assert y.shape == tuple(yt.shape)
    _close(y.detach(), yt, "output")
    g = RNG.standard_normal(yt.shape)
    (y * wl.tensor(g)).sum().backward()
    yt.backward(torch.tensor(g))
    for ours, theirs, name in pairs:
        _close(ours.grad, theirs.grad, f"gradient of {name}")


def check_function(ours, theirs, *arrays, **kwargs):
    """ours(*tensors, **kwargs) against theirs(*torch tensors, **kwargs), with the gradients
    for every array (None passes through as None)."""
    wt = [None if a is None else wl.tensor(a, requires_grad=True) for a in arrays]
    tt = [None if a is None else torch.tensor(a, requires_grad=True) for a in arrays]
    _compare(ours(*wt, **kwargs), theirs(*tt, **kwargs),
             [(a, b, f"argument {k}") for k, (a, b) in enumerate(zip(wt, tt)) if a is not None])


def check_layer(ours: nn.Module, theirs: torch.nn.Module, x: np.ndarray, **call):
    """Copy theirs' weights into ours, then compare output, input and parameter gradients."""
    theirs = theirs.double()
    ours.load_state_dict({k: wl.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    xw, xt = wl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    mine = dict(ours.named_parameters())
    assert set(mine) == {n for n, _ in theirs.named_parameters()}
    _compare(ours(xw, **call), theirs(xt, **call),
             [(xw, xt, "the input")] + [(mine[n], p, n) for n, p in theirs.named_parameters()])


def _randn(*shape):
    return RNG.standard_normal(shape)


# (in, out, kernel, layer kwargs, input spatial size, batch)
CONV2D = [
    (3, 4, 3, {}, (7, 8), 2),
    (3, 4, 3, {"stride": 2, "padding": 1}, (7, 8), 2),
    (2, 3, (3, 2), {"stride": (2, 1), "padding": (0, 2), "dilation": (1, 2)}, (9, 6), 2),
    (2, 3, 4, {"padding": "same"}, (6, 7), 2),
    (2, 3, (3, 2), {"padding": "same", "dilation": (2, 3)}, (8, 9), 1),
    (2, 3, 3, {"padding": "valid", "stride": 3}, (8, 10), 2),
    (4, 6, 3, {"groups": 2, "padding": 1}, (5, 6), 2),
    (4, 8, 3, {"groups": 4, "padding": 1, "stride": 2}, (7, 7), 2),  # depthwise
    (3, 5, 3, {"bias": False, "dilation": 2}, (9, 8), 2),
    (2, 3, 3, {"padding": 1, "padding_mode": "reflect"}, (5, 6), 2),
    (2, 3, 3, {"padding": (2, 1), "padding_mode": "replicate", "stride": 2}, (5, 6), 2),
    (2, 3, 3, {"padding": 2, "padding_mode": "circular"}, (5, 6), 2),
    (2, 3, 4, {"padding": "same", "padding_mode": "reflect"}, (6, 6), 2),
    (3, 2, 1, {}, (4, 5), 2),
    (3, 2, (3, 5), {"stride": 3}, (5, 9), 1),
    (2, 3, (5, 4), {}, (5, 4), 3),  # the kernel covers the whole input
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("cin,cout,k,kw,size,n", CONV2D)
def test_conv2d_layer_matches_torch(cin, cout, k, kw, size, n):
    check_layer(nn.Conv2d(cin, cout, k, dtype=wl.float64, **kw),
                torch.nn.Conv2d(cin, cout, k, **kw), _randn(n, cin, *size))


CONV1D = [
    (3, 4, 3, {}, 9, 2),
    (3, 4, 3, {"stride": 2, "padding": 1}, 10, 2),
    (2, 3, 3, {"dilation": 3, "padding": 2}, 11, 2),
    (2, 3, 4, {"padding": "same", "dilation": 2}, 9, 1),
    (4, 6, 3, {"groups": 2}, 8, 2),
    (4, 4, 5, {"groups": 4, "padding": 2}, 7, 2),  # depthwise
    (2, 3, 3, {"bias": False, "padding": "valid"}, 5, 2),
    (2, 3, 3, {"padding": 2, "padding_mode": "reflect"}, 6, 2),
    (2, 3, 3, {"padding": 1, "padding_mode": "replicate", "stride": 2}, 7, 2),
    (2, 3, 3, {"padding": 3, "padding_mode": "circular"}, 6, 2),
    (2, 3, 7, {}, 7, 1),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("cin,cout,k,kw,size,n", CONV1D)
def test_conv1d_layer_matches_torch(cin, cout, k, kw, size, n):
    check_layer(nn.Conv1d(cin, cout, k, dtype=wl.float64, **kw),
                torch.nn.Conv1d(cin, cout, k, **kw), _randn(n, cin, size))


CONV_T2D = [
    (3, 4, 3, {}, (4, 5), 2),
    (3, 4, 3, {"stride": 2}, (4, 5), 2),
    (3, 4, 3, {"stride": 2, "padding": 1, "output_padding": 1}, (4, 5), 2),
    (2, 3, (3, 2), {"stride": (2, 3), "output_padding": (1, 2), "padding": (1, 0)}, (3, 4), 2),
    (2, 3, 3, {"dilation": 2, "padding": 2}, (4, 4), 2),
    (2, 3, 2, {"dilation": 3, "stride": 2, "output_padding": 2}, (3, 4), 1),
    (4, 6, 3, {"groups": 2, "stride": 2, "padding": 1}, (3, 5), 2),
    (4, 4, 3, {"groups": 4, "stride": 2}, (3, 3), 2),  # depthwise
    (3, 2, 3, {"bias": False, "stride": 3, "padding": 2}, (4, 3), 2),
    (3, 2, 1, {}, (3, 4), 2),
]


@pytest.mark.parametrize("cin,cout,k,kw,size,n", CONV_T2D)
def test_conv_transpose2d_layer_matches_torch(cin, cout, k, kw, size, n):
    check_layer(nn.ConvTranspose2d(cin, cout, k, dtype=wl.float64, **kw),
                torch.nn.ConvTranspose2d(cin, cout, k, **kw), _randn(n, cin, *size))


CONV_T1D = [
    (3, 4, 3, {}, 5, 2),
    (3, 4, 3, {"stride": 2, "padding": 1, "output_padding": 1}, 5, 2),
    (2, 3, 4, {"stride": 3, "dilation": 2, "output_padding": 1}, 4, 1),
    (4, 6, 3, {"groups": 2, "padding": 2}, 6, 2),
    (2, 2, 5, {"groups": 2, "bias": False, "stride": 2}, 3, 2),
]


@pytest.mark.parametrize("cin,cout,k,kw,size,n", CONV_T1D)
def test_conv_transpose1d_layer_matches_torch(cin, cout, k, kw, size, n):
    check_layer(nn.ConvTranspose1d(cin, cout, k, dtype=wl.float64, **kw),
                torch.nn.ConvTranspose1d(cin, cout, k, **kw), _randn(n, cin, size))


@pytest.mark.parametrize("size", [(9, 10), (10, 9), (2, 3, 10, 10)])
def test_conv_transpose_output_size_matches_torch(size):
    check_layer(nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, dtype=wl.float64),
                torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), _randn(2, 2, 5, 5),
                output_size=size)


@pytest.mark.parametrize("layer,shape", [
    ("Conv1d", (2, 7)), ("Conv2d", (2, 6, 5)), ("ConvTranspose1d", (2, 4)),
    ("ConvTranspose2d", (2, 4, 3))])
def test_unbatched_input_matches_torch(layer, shape):
    kw = {"stride": 2, "padding": 1}
    check_layer(getattr(nn, layer)(2, 3, 3, dtype=wl.float64, **kw),
                getattr(torch.nn, layer)(2, 3, 3, **kw), _randn(*shape))


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("kw,groups", [
    ({}, 1), ({"stride": 2, "padding": 1}, 1), ({"padding": "same", "dilation": 2}, 1),
    ({"stride": (1, 2), "padding": (2, 0), "dilation": (2, 1)}, 2), ({"padding": 1}, 4)])
def test_conv2d_function_matches_torch(kw, groups):
    x, w = _randn(2, 4, 7, 6), _randn(4, 4 // groups, 3, 2)
    check_function(F.conv2d, TF.conv2d, x, w, _randn(4), groups=groups, **kw)
    check_function(F.conv2d, TF.conv2d, x, w, None, groups=groups, **kw)


@pytest.mark.parametrize("kw,groups", [
    ({}, 1), ({"stride": 2, "padding": 1, "output_padding": 1}, 1),
    ({"stride": (3, 2), "dilation": (1, 2), "output_padding": (2, 1)}, 2),
    ({"dilation": 2, "padding": 3}, 4)])
def test_conv_transpose2d_function_matches_torch(kw, groups):
    x, w = _randn(2, 4, 4, 5), _randn(4, 6 // groups if groups != 4 else 1, 3, 3)
    b = _randn(w.shape[1] * groups)
    check_function(F.conv_transpose2d, TF.conv_transpose2d, x, w, b, groups=groups, **kw)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("fn,theirs,wshape,kw", [
    (F.conv1d, TF.conv1d, (6, 4, 3), {}),
    (F.conv1d, TF.conv1d, (6, 2, 3), {"stride": 3, "padding": 2, "groups": 2}),
    (F.conv1d, TF.conv1d, (6, 4, 3), {"padding": "same", "dilation": 3}),
    (F.conv1d, TF.conv1d, (4, 1, 3), {"padding": "valid", "dilation": 2, "groups": 4}),
    (F.conv_transpose1d, TF.conv_transpose1d, (4, 3, 4), {}),
    (F.conv_transpose1d, TF.conv_transpose1d, (4, 3, 4),
     {"stride": 2, "padding": 2, "output_padding": 1, "groups": 2}),
    (F.conv_transpose1d, TF.conv_transpose1d, (4, 3, 4),
     {"stride": 2, "dilation": 3, "output_padding": 2})])
def test_1d_functions_match_torch(fn, theirs, wshape, kw):
    out_c = wshape[0] if fn is F.conv1d else wshape[1] * kw.get("groups", 1)
    check_function(fn, theirs, _randn(2, 4, 11), _randn(*wshape), _randn(out_c), **kw)


def _t(*shape):
    return wl.tensor(_randn(*shape), dtype=wl.float64, requires_grad=True)


@pytest.mark.parametrize("fn,args,kw", [
    (F.conv2d, ((1, 4, 5, 4), (4, 2, 3, 2), (4,)), {"stride": 2, "padding": 1, "groups": 2}),
    (F.conv2d, ((2, 1, 5, 5), (2, 1, 2, 2), None), {"dilation": 2, "padding": "same"}),
    (F.conv1d, ((2, 2, 6), (3, 2, 3), (3,)), {"padding": 1, "dilation": 2}),
    (F.conv_transpose2d, ((1, 2, 3, 3), (2, 2, 3, 2), (2,)),
     {"stride": 2, "padding": 1, "output_padding": 1}),
    (F.conv_transpose1d, ((2, 2, 3), (2, 1, 3), (2,)),
     {"stride": 3, "dilation": 2, "groups": 2, "output_padding": 1}),
])
def test_finite_differences_both_modes_second_order(fn, args, kw):
    inputs = tuple(_t(*s) for s in args if s is not None)  # no bias: fn(x, w)
    assert wl.autograd.gradcheck(lambda *a: fn(*a, **kw), inputs)


def test_per_example_under_vmap():
    x, w, b = _t(3, 2, 6, 5), _t(4, 2, 3, 3), _t(4)
    xt, wt, bt = (torch.tensor(a.detach().numpy()) for a in (x, w, b))
    per = wl.func.vmap(lambda xi: F.conv2d(xi, w, b, stride=2, padding=1))(x)
    _close(per.detach(), TF.conv2d(xt, wt, bt, stride=2, padding=1), "vmap")

    def loss(f, ft, w, xi):  # per-example weight gradients, as for differential privacy
        return ft(f(xi, w, padding=1).tanh(), w).pow(2).sum()

    grads = wl.func.vmap(wl.func.grad(lambda w, xi: loss(F.conv2d, F.conv_transpose2d, w, xi)),
                         in_axes=(None, 0))(w, x)
    expected = torch.func.vmap(torch.func.grad(
        lambda w, xi: loss(TF.conv2d, TF.conv_transpose2d, w, xi)), in_dims=(None, 0))(wt, xt)
    _close(grads.detach(), expected, "per-example gradients")


@pytest.mark.parametrize("layer,args", [
    ("Conv2d", (6, 8, 3)), ("Conv1d", (5, 6, 4, 1, 0, 1, 1)), ("Conv2d", (4, 8, 3, 1, 1, 1, 4)),
    ("ConvTranspose2d", (6, 8, 3)), ("ConvTranspose1d", (4, 6, 5, 1, 0, 0, 2))])
def test_init_is_pytorchs_default(layer, args):
    ours, theirs = getattr(nn, layer)(*args), getattr(torch.nn, layer)(*args)
    assert [(n, p.shape) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    fan_in = ours.weight.shape[1] * math.prod(ours.weight.shape[2:])
    bound = 1 / math.sqrt(fan_in)
    w, b = ours.weight.detach().numpy(), ours.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.25 * bound  # uniform in +-bound
    assert ours.weight.dtype == wl.float32


@pytest.mark.parametrize("layer,args,kw", [
    ("Conv2d", (3, 16, 3), {}),
    ("Conv2d", (3, 16, 3), {"padding": "same", "padding_mode": "reflect", "bias": False,
                            "dilation": 2}),
    ("Conv1d", (4, 6, 3), {"stride": 2, "groups": 2}),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "output_padding": 1, "groups": 2}),
    ("ConvTranspose1d", (4, 6, 3), {"padding": 1}),
])
def test_repr_matches_torch(layer, args, kw):
    assert repr(getattr(nn, layer)(*args, **kw)) == repr(getattr(torch.nn, layer)(*args, **kw))


@pytest.mark.parametrize("make,shape,words", [
    (lambda: nn.Conv2d(3, 4, 3), (2, 5, 8, 8), ["Conv2d", "(N, 3, H, W)", "(2, 5, 8, 8)"]),
    (lambda: nn.Conv2d(3, 4, 3), (8, 8), ["Conv2d", "4-D", "(8, 8)"]),
    (lambda: nn.Conv2d(3, 4, 3, padding_mode="reflect", padding=1), (2, 2, 8, 8),
     ["Conv2d", "(N, 3, H, W)", "(2, 2, 8, 8)"]),
    (lambda: nn.Conv1d(2, 4, 3), (2, 2, 5, 5), ["Conv1d", "3-D", "(N, C, L)", "(2, 2, 5, 5)"]),
    (lambda: nn.Conv2d(3, 4, 5), (1, 3, 3, 3), ["Conv2d", "spans 5", "(1, 3, 3, 3)"]),
    (lambda: nn.Conv2d(3, 4, 5, padding=1), (1, 3, 2, 7), ["Conv2d", "spans 5", "(1, 3, 4, 9)"]),
    (lambda: nn.ConvTranspose2d(3, 4, 3), (2, 4, 5, 5), ["ConvTranspose2d", "(N, 3, H, W)",
                                                         "(2, 4, 5, 5)"]),
    (lambda: nn.ConvTranspose1d(3, 4, 3), (3, 5, 5, 5), ["ConvTranspose1d", "(3, 5, 5, 5)"]),
])
def test_bad_input_names_layer_and_shapes(make, shape, words):
    with pytest.raises(ValueError) as err:
        make()(wl.randn(*shape))
    for w in words:
        assert w in str(err.value)


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match=r"Conv2d: in_channels \(3\) must be divisible by "
                                         r"groups \(2\)"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: out_channels \(5\) must be "):
        nn.ConvTranspose2d(4, 5, 3, groups=2)
    with pytest.raises(ValueError, match="groups=3 must be a positive divisor of the 4 output"):
        F.conv2d(wl.randn(1, 6, 5, 5), wl.randn(4, 2, 3, 3), groups=3)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv1d(3, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="conv2d: expected a 4-D weight"):
        F.conv2d(wl.randn(1, 3, 5, 5), wl.randn(4, 3, 3))
    with pytest.raises(ValueError, match=r"conv2d: expected a bias of shape \(4,\)"):
        F.conv2d(wl.randn(1, 3, 5, 5), wl.randn(4, 3, 3, 3), wl.randn(3))
    with pytest.raises(ValueError, match="output_padding .* must be smaller than either stride"):
        F.conv_transpose2d(wl.randn(1, 3, 5, 5), wl.randn(3, 4, 3, 3), output_padding=1)
    with pytest.raises(ValueError, match="requested an output size of"):
        nn.ConvTranspose2d(2, 3, 3, stride=2)(wl.randn(1, 2, 4, 4), output_size=(12, 9))


def test_float32_layers_give_float32_outputs_and_gradients():
    m = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ConvTranspose2d(8, 3, 4, stride=2,
                                                                         padding=1))
    y = m(wl.randn(2, 3, 8, 8))
    assert y.shape == (2, 3, 16, 16) and y.dtype == wl.float32
    (y * y).mean().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in m.parameters())
