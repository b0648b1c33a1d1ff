"""Adaptive max pooling (1-3 d, with indices), adaptive average pooling in 3-D, and the 3-D
convolutions and pools against PyTorch (float64): outputs, input and weight gradients."""
import numpy as np
import pytest
import torch

import wonderland as wl
from tests.nn.test_conv import check_function, check_layer
from wonderland import nn
from wonderland.nn import functional as F

TF = torch.nn.functional
RNG = np.random.default_rng(3)


def _ties(shape):
    """Values with many ties: the gradient and the index must go to the first maximum."""
    return np.floor(RNG.standard_normal(shape) * 1.5).clip(0)


ADAPTIVE = [  # (nd, input shape, output_size)
    (1, (2, 3, 10), 4), (1, (3, 7), 7), (1, (2, 2, 5), 8),
    (2, (2, 3, 7, 9), (3, 4)), (2, (2, 5, 6), 4), (2, (1, 2, 5, 7), (None, 3)),
    (2, (2, 1, 4, 4), 1), (3, (2, 2, 5, 6, 4), (2, 3, None)), (3, (2, 3, 4, 5), 2),
]


@pytest.mark.parametrize("nd, shape, size", ADAPTIVE)
@pytest.mark.parametrize("data", [RNG.standard_normal, _ties])
def test_adaptive_max_pool_matches_torch(nd, shape, size, data):
    x = data(shape)
    name = f"adaptive_max_pool{nd}d"
    check_function(getattr(F, name), getattr(TF, name), x, output_size=size)
    layer = f"AdaptiveMaxPool{nd}d"
    check_layer(getattr(nn, layer)(size), getattr(torch.nn, layer)(size), x)
    ours = getattr(nn, layer)(size, return_indices=True)(wl.tensor(x))
    theirs = getattr(torch.nn, layer)(size, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(ours[0].numpy(), theirs[0].numpy())
    np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
    assert repr(getattr(nn, layer)(size)) == repr(getattr(torch.nn, layer)(size))


@pytest.mark.parametrize("shape, size", [((2, 3, 5, 6, 7), (2, 3, 4)), ((2, 4, 4, 4), 3),
                                         ((1, 2, 3, 5, 4), (None, 2, 1))])
def test_adaptive_avg_pool3d_matches_torch(shape, size):
    x = RNG.standard_normal(shape)
    check_function(F.adaptive_avg_pool3d, TF.adaptive_avg_pool3d, x, output_size=size)
    check_layer(nn.AdaptiveAvgPool3d(size), torch.nn.AdaptiveAvgPool3d(size), x)


def test_adaptive_max_pool_errors():
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: output_size must be 2 positive"):
        F.adaptive_max_pool2d(wl.zeros(1, 2, 4, 4), (2, 0))
    with pytest.raises(ValueError, match=r"AdaptiveMaxPool1d: expected a 3-D input"):
        nn.AdaptiveMaxPool1d(2)(wl.zeros(1, 2, 4, 4))


POOL3D = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": (3, 2, 2), "stride": (2, 1, 2), "padding": (1, 0, 1)},
    {"kernel_size": 2, "stride": 2, "ceil_mode": True},
]


@pytest.mark.parametrize("kw", POOL3D)
@pytest.mark.parametrize("data", [RNG.standard_normal, _ties])
def test_max_pool3d_matches_torch(kw, data):
    x = data((2, 2, 5, 6, 7))
    check_function(F.max_pool3d, TF.max_pool3d, x, **kw)
    check_layer(nn.MaxPool3d(**kw), torch.nn.MaxPool3d(**kw), x)
    ours = F.max_pool3d(wl.tensor(x), return_indices=True, dilation=(1, 2, 1), **kw)[1]
    theirs = TF.max_pool3d(torch.tensor(x), return_indices=True, dilation=(1, 2, 1), **kw)[1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    check_function(F.max_pool3d, TF.max_pool3d, x[0], **kw)  # unbatched


@pytest.mark.parametrize("kw", POOL3D + [{"kernel_size": 3, "padding": 1, "stride": 2,
                                          "divisor_override": 4}])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool3d_matches_torch(kw, count_include_pad):
    x = RNG.standard_normal((2, 2, 5, 6, 7))
    kw = {**kw, "count_include_pad": count_include_pad}
    check_function(F.avg_pool3d, TF.avg_pool3d, x, **kw)
    check_layer(nn.AvgPool3d(**kw), torch.nn.AvgPool3d(**kw), x)
    assert repr(nn.AvgPool3d(**kw)) == repr(torch.nn.AvgPool3d(**kw))


CONV3D = [  # (in, out, kernel, layer kwargs, spatial size)
    (2, 3, 3, {}, (5, 6, 4)),
    (2, 4, (3, 2, 1), {"stride": (2, 1, 1), "padding": 1, "dilation": (1, 2, 1)}, (6, 5, 4)),
    (4, 4, 3, {"groups": 2, "padding": "same", "bias": False}, (4, 5, 3)),
    (2, 3, 3, {"padding": 1, "padding_mode": "reflect"}, (4, 4, 5)),
    (2, 3, 2, {"padding": (1, 0, 1), "padding_mode": "replicate", "stride": 2}, (5, 4, 4)),
    (2, 3, 3, {"padding": 1, "padding_mode": "circular"}, (3, 4, 5)),
]


@pytest.mark.parametrize("cin, cout, k, kw, size", CONV3D)
def test_conv3d_matches_torch(cin, cout, k, kw, size):
    x = RNG.standard_normal((2, cin, *size))
    ours = nn.Conv3d(cin, cout, k, dtype=wl.float64, **kw)
    theirs = torch.nn.Conv3d(cin, cout, k, **kw)
    check_layer(ours, theirs, x)
    check_layer(ours, theirs, x[1])  # unbatched
    assert repr(ours) == repr(theirs)
    plain = {n: v for n, v in kw.items() if n not in ("padding_mode", "bias")}
    check_function(F.conv3d, TF.conv3d, x, RNG.standard_normal((cout, cin // kw.get("groups", 1),
                                                                *((k,) * 3 if isinstance(k, int)
                                                                  else k))),
                   RNG.standard_normal(cout), **plain)


CONVT3D = [  # (in, out, kernel, layer kwargs, spatial size)
    (2, 3, 3, {}, (3, 4, 2)),
    (2, 4, (3, 2, 2), {"stride": 2, "padding": (1, 0, 1), "output_padding": (1, 0, 1)},
     (3, 3, 4)),
    (4, 2, 2, {"groups": 2, "dilation": 2, "bias": False}, (2, 3, 3)),
]


@pytest.mark.parametrize("cin, cout, k, kw, size", CONVT3D)
def test_conv_transpose3d_matches_torch(cin, cout, k, kw, size):
    x = RNG.standard_normal((2, cin, *size))
    ours = nn.ConvTranspose3d(cin, cout, k, dtype=wl.float64, **kw)
    theirs = torch.nn.ConvTranspose3d(cin, cout, k, **kw)
    check_layer(ours, theirs, x)
    assert repr(ours) == repr(theirs)
    plain = {n: v for n, v in kw.items() if n != "bias"}
    kernel = (k,) * 3 if isinstance(k, int) else k
    check_function(F.conv_transpose3d, TF.conv_transpose3d, x,
                   RNG.standard_normal((cin, cout // kw.get("groups", 1), *kernel)), **plain)


def test_conv_transpose3d_output_size_matches_torch():
    x = RNG.standard_normal((1, 2, 3, 3, 3))
    ours = nn.ConvTranspose3d(2, 2, 3, stride=2, dtype=wl.float64)
    theirs = torch.nn.ConvTranspose3d(2, 2, 3, stride=2)
    check_layer(ours, theirs, x, output_size=(8, 7, 8))


def test_conv3d_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"Conv3d: expected a 5-D input \(N, C, D, H, W\)"):
        nn.Conv3d(2, 3, 2)(wl.zeros(2, 4, 4))
    with pytest.raises(ValueError, match="conv3d: expected a 5-D weight"):
        F.conv3d(wl.zeros(1, 2, 4, 4, 4), wl.zeros(3, 2, 2, 2))
