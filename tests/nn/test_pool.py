"""Pooling and resampling against PyTorch (float64): outputs and input gradients for max/avg
pooling (padding, dilation, ceil_mode, count_include_pad, ties), adaptive average pooling and
interpolation (nearest, nearest-exact, linear, bilinear, align_corners); layers and errors."""
import numpy as np
import pytest
import torch

import wonderland as wl
from tests.nn.test_conv import check_function, check_layer
from wonderland import nn
from wonderland.nn import functional as F

TF = torch.nn.functional
RNG = np.random.default_rng(1)


def _randn(*shape):
    return RNG.standard_normal(shape)


def _ties(*shape):
    """Values with many ties (small integers): the gradient must go to the first maximum."""
    return np.floor(RNG.standard_normal(shape) * 1.5).clip(0)


MAX2D = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 1), "dilation": (2, 1)},
    {"kernel_size": 2, "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": (2, 3), "stride": (3, 2), "dilation": 2, "ceil_mode": True},
    {"kernel_size": 2, "stride": 3},
    {"kernel_size": (4, 1), "stride": 1, "padding": (2, 0)},
]


@pytest.mark.parametrize("kw", MAX2D)
@pytest.mark.parametrize("data", [_randn, _ties])
def test_max_pool2d_matches_torch(kw, data):
    x = data(2, 3, 9, 8)
    check_function(F.max_pool2d, TF.max_pool2d, x, **kw)
    check_layer(nn.MaxPool2d(**kw), torch.nn.MaxPool2d(**kw), x)
    ours = F.max_pool2d(wl.tensor(x), return_indices=True, **kw)[1]
    theirs = TF.max_pool2d(torch.tensor(x), return_indices=True, **kw)[1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


MAX1D = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": 2, "dilation": 3, "stride": 2},
    {"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True},
]


@pytest.mark.parametrize("kw", MAX1D)
@pytest.mark.parametrize("data", [_randn, _ties])
def test_max_pool1d_matches_torch(kw, data):
    x = data(2, 3, 11)
    check_function(F.max_pool1d, TF.max_pool1d, x, **kw)
    check_layer(nn.MaxPool1d(**kw), torch.nn.MaxPool1d(**kw), x)
    ours = F.max_pool1d(wl.tensor(x), return_indices=True, **kw)[1]
    theirs = TF.max_pool1d(torch.tensor(x), return_indices=True, **kw)[1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


AVG2D = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": (3, 2), "stride": (1, 2), "padding": (1, 0)},
    {"kernel_size": 2, "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": (4, 3), "stride": 3, "padding": (2, 1), "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "divisor_override": 5},
]


@pytest.mark.parametrize("kw", AVG2D)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_matches_torch(kw, count_include_pad):
    x = _randn(2, 3, 9, 8)
    check_function(F.avg_pool2d, TF.avg_pool2d, x, count_include_pad=count_include_pad, **kw)
    check_layer(nn.AvgPool2d(count_include_pad=count_include_pad, **kw),
                torch.nn.AvgPool2d(count_include_pad=count_include_pad, **kw), x)


AVG1D = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True},
]


@pytest.mark.parametrize("kw", AVG1D)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool1d_matches_torch(kw, count_include_pad):
    x = _randn(2, 3, 12)
    check_function(F.avg_pool1d, TF.avg_pool1d, x, count_include_pad=count_include_pad, **kw)
    check_layer(nn.AvgPool1d(count_include_pad=count_include_pad, **kw),
                torch.nn.AvgPool1d(count_include_pad=count_include_pad, **kw), x)


@pytest.mark.parametrize("size", [1, 3, 4, 7, (5, None), (2, 9), (10, 3), (None, None)])
def test_adaptive_avg_pool2d_matches_torch(size):
    x = _randn(2, 3, 7, 9)
    check_function(F.adaptive_avg_pool2d, TF.adaptive_avg_pool2d, x, output_size=size)
    check_layer(nn.AdaptiveAvgPool2d(size), torch.nn.AdaptiveAvgPool2d(size), x)


@pytest.mark.parametrize("size", [1, 3, 5, 11, 15])
def test_adaptive_avg_pool1d_matches_torch(size):
    x = _randn(2, 3, 11)
    check_function(F.adaptive_avg_pool1d, TF.adaptive_avg_pool1d, x, output_size=size)
    check_layer(nn.AdaptiveAvgPool1d(size), torch.nn.AdaptiveAvgPool1d(size), x)


SIZES = [{"scale_factor": 2}, {"scale_factor": 1.7}, {"scale_factor": (0.5, 1.3)},
         {"size": (5, 13)}, {"size": (9, 8)}, {"size": 3},
         {"scale_factor": 1.5, "recompute_scale_factor": True}]
MODES2D = [("nearest", None), ("nearest-exact", None), ("bilinear", False),
           ("bilinear", True)]


@pytest.mark.parametrize("kw", SIZES)
@pytest.mark.parametrize("mode,align_corners", MODES2D)
def test_interpolate_2d_matches_torch(kw, mode, align_corners):
    x = _randn(2, 3, 9, 8)
    check_function(F.interpolate, TF.interpolate, x, mode=mode, align_corners=align_corners,
                   **kw)
    check_layer(nn.Upsample(mode=mode, align_corners=align_corners, **kw),
                torch.nn.Upsample(mode=mode, align_corners=align_corners, **kw), x)


@pytest.mark.parametrize("kw", [{"scale_factor": 2}, {"scale_factor": 1.37}, {"size": 7},
                                {"size": 1}, {"size": 25}, {"scale_factor": 0.6}])
@pytest.mark.parametrize("mode,align_corners", [("nearest", None), ("nearest-exact", None),
                                                ("linear", False), ("linear", True)])
def test_interpolate_1d_matches_torch(kw, mode, align_corners):
    x = _randn(2, 3, 11)
    check_function(F.interpolate, TF.interpolate, x, mode=mode, align_corners=align_corners,
                   **kw)


def test_unbatched_pooling_matches_torch():
    x = _randn(3, 7, 6)
    check_layer(nn.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1), x)
    check_layer(nn.AvgPool2d(2, ceil_mode=True), torch.nn.AvgPool2d(2, ceil_mode=True), x)
    check_layer(nn.AdaptiveAvgPool2d((2, 4)), torch.nn.AdaptiveAvgPool2d((2, 4)), x)
    check_layer(nn.MaxPool1d(2), torch.nn.MaxPool1d(2), x[0])


def _t(*shape):
    return wl.tensor(_randn(*shape), dtype=wl.float64, requires_grad=True)


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
    lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda x: F.adaptive_avg_pool2d(x, (2, 3)),
    lambda x: F.interpolate(x, scale_factor=1.5, mode="bilinear"),
])
def test_finite_differences_both_modes_second_order(fn):
    assert wl.autograd.gradcheck(fn, (_t(1, 2, 5, 4),))


def test_per_example_under_vmap():
    x = _t(3, 2, 6, 5)

    def f(xi):
        return F.interpolate(F.max_pool2d(xi.unsqueeze(0), 2, 1), scale_factor=2.0,
                             mode="bilinear").squeeze(0) + F.adaptive_avg_pool2d(xi, (10, 8))

    np.testing.assert_allclose(wl.func.vmap(f)(x).detach().numpy(),
                               np.stack([f(xi).detach().numpy() for xi in x]), atol=1e-12)


@pytest.mark.parametrize("layer,kw", [
    ("MaxPool2d", {"kernel_size": 2}), ("MaxPool1d", {"kernel_size": 3, "stride": 2,
                                                      "padding": 1, "ceil_mode": True}),
    ("AvgPool2d", {"kernel_size": 3, "stride": 2, "padding": 1}), ("AvgPool1d", {"kernel_size": 2}),
    ("AdaptiveAvgPool2d", {"output_size": (5, None)}), ("AdaptiveAvgPool1d", {"output_size": 3}),
    ("Upsample", {"scale_factor": 2}),
    ("Upsample", {"size": (4, 5), "mode": "bilinear", "align_corners": True})])
def test_repr_matches_torch(layer, kw):
    assert repr(getattr(nn, layer)(**kw)) == repr(getattr(torch.nn, layer)(**kw))


@pytest.mark.parametrize("make,shape,words", [
    (lambda: nn.MaxPool2d(2), (4, 4), ["MaxPool2d", "4-D", "(N, C, H, W)", "(4, 4)"]),
    (lambda: nn.AvgPool1d(2), (1, 2, 4, 4), ["AvgPool1d", "(N, C, L)", "(1, 2, 4, 4)"]),
    (lambda: nn.AdaptiveAvgPool2d(3), (5,), ["AdaptiveAvgPool2d", "(5,)"]),
    (lambda: nn.MaxPool2d(5), (1, 1, 3, 8), ["MaxPool2d", "kernel 5", "size 3"]),
    (lambda: nn.AvgPool2d(4, padding=3), (1, 1, 8, 8), ["AvgPool2d", "at most half"]),
    (lambda: nn.Upsample(scale_factor=2, mode="bilinear"), (1, 2, 5),
     ["Upsample", "bilinear", "4-D", "(1, 2, 5)"]),
    (lambda: nn.Upsample(scale_factor=2, align_corners=True), (1, 2, 5, 5),
     ["Upsample", "align_corners"]),
])
def test_bad_input_names_layer_and_shapes(make, shape, words):
    with pytest.raises(ValueError) as err:
        make()(wl.randn(*shape))
    for w in words:
        assert w in str(err.value)


def test_interpolate_needs_exactly_one_of_size_and_scale():
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        F.interpolate(wl.randn(1, 1, 4, 4))
    with pytest.raises(ValueError, match="mode must be one of"):
        F.interpolate(wl.randn(1, 1, 4, 4), size=2, mode="bicubic")
