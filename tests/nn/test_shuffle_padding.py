"""PixelShuffle/PixelUnshuffle and the padding layers (Reflection, Replication, Zero, Constant
in 1-3 dimensions) against PyTorch (float64): outputs, input gradients, reprs and errors."""
import numpy as np
import pytest
import torch

import wonderland as wl
from tests.nn.test_conv import check_function, check_layer
from wonderland import nn
from wonderland.nn import functional as F

TF = torch.nn.functional
RNG = np.random.default_rng(14)


@pytest.mark.parametrize("shape, r", [((2, 8, 3, 4), 2), ((18, 2, 3), 3), ((2, 1, 4, 1, 1), 2)])
def test_pixel_shuffle_matches_torch(shape, r):
    x = RNG.standard_normal(shape)
    check_function(F.pixel_shuffle, TF.pixel_shuffle, x, upscale_factor=r)
    check_layer(nn.PixelShuffle(r), torch.nn.PixelShuffle(r), x)
    assert repr(nn.PixelShuffle(r)) == repr(torch.nn.PixelShuffle(r))


@pytest.mark.parametrize("shape, r", [((2, 2, 6, 4), 2), ((1, 6, 9), 3), ((2, 1, 3, 4, 4), 4)])
def test_pixel_unshuffle_matches_torch(shape, r):
    x = RNG.standard_normal(shape)
    check_function(F.pixel_unshuffle, TF.pixel_unshuffle, x, downscale_factor=r)
    check_layer(nn.PixelUnshuffle(r), torch.nn.PixelUnshuffle(r), x)
    np.testing.assert_array_equal(F.pixel_shuffle(F.pixel_unshuffle(wl.tensor(x), r), r).numpy(),
                                  x)


def test_pixel_shuffle_errors():
    x = wl.tensor(np.zeros((2, 7, 3, 3)))
    with pytest.raises(ValueError, match=r"pixel_shuffle: the 7 channels .* divisible by "
                                         r"upscale_factor\*\*2 = 4"):
        F.pixel_shuffle(x, 2)
    with pytest.raises(ValueError, match="pixel_unshuffle: the height and width"):
        nn.PixelUnshuffle(2)(x)
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        F.pixel_shuffle(wl.tensor(np.zeros((4, 4))), 2)
    with pytest.raises(ValueError, match="upscale_factor must be a positive int"):
        F.pixel_shuffle(x, 0)


PADS = [  # (layer name, nd, padding, extra args, input shape)
    ("ReflectionPad", 1, 2, (), (2, 3, 5)),
    ("ReflectionPad", 1, (3, 1), (), (3, 5)),
    ("ReflectionPad", 2, (1, 2, 0, 3), (), (2, 2, 4, 5)),
    ("ReflectionPad", 2, (-1, 2, 1, -2), (), (2, 5, 5)),
    ("ReflectionPad", 3, 1, (), (1, 2, 3, 4, 3)),
    ("ReplicationPad", 1, (4, 0), (), (2, 2, 3)),
    ("ReplicationPad", 2, (2, 1, 3, 0), (), (2, 4, 3)),
    ("ReplicationPad", 3, (1, 0, 2, 1, 0, 3), (), (2, 2, 2, 3, 2)),
    ("ZeroPad", 1, 3, (), (2, 4)),
    ("ZeroPad", 2, (1, -1, 2, 0), (), (2, 2, 3, 4)),
    ("ZeroPad", 3, (0, 1, 1, 0, 2, 1), (), (2, 2, 3, 2)),
    ("ConstantPad", 1, (2, 1), (1.5,), (2, 3, 4)),
    ("ConstantPad", 2, 2, (-0.5,), (3, 2, 2)),
    ("ConstantPad", 3, (1, 2, 0, 1, 1, 0), (2.0,), (1, 2, 2, 3, 2)),
]


@pytest.mark.parametrize("kind, nd, padding, args, shape", PADS)
def test_padding_layers_match_torch(kind, nd, padding, args, shape):
    name = f"{kind}{nd}d"
    ours, theirs = getattr(nn, name)(padding, *args), getattr(torch.nn, name)(padding, *args)
    check_layer(ours, theirs, RNG.standard_normal(shape))
    assert repr(ours) == repr(theirs)


def test_padding_layers_check_the_rank_and_amounts():
    with pytest.raises(ValueError, match=r"ReflectionPad2d\(1, 1, 1, 1\): expected a 3-D or "
                                         r"4-D input, got shape \(3, 3\)"):
        nn.ReflectionPad2d(1)(wl.tensor(np.zeros((3, 3))))
    with pytest.raises(ValueError, match="ReplicationPad1d.*2-D or 3-D input"):
        nn.ReplicationPad1d(1)(wl.tensor(np.zeros((1, 2, 3, 3))))
    with pytest.raises(ValueError, match="ZeroPad2d: padding must be an int or 4 ints"):
        nn.ZeroPad2d((1, 2))
    with pytest.raises(ValueError, match="reflect padding"):
        nn.ReflectionPad1d(3)(wl.tensor(np.zeros((2, 3))))


def test_pad_takes_torchs_default_value_none_as_zero():
    x = RNG.standard_normal((2, 3))
    ours = F.pad(wl.tensor(x), (1, 2), value=None).numpy()
    np.testing.assert_array_equal(ours, TF.pad(torch.tensor(x), (1, 2), value=None).numpy())


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_refuses_a_value_with_the_non_constant_modes_as_torch(mode):
    with pytest.raises(RuntimeError, match=f"Padding mode \"{mode}\" doesn't take in value"):
        TF.pad(torch.ones(1, 2, 3), (1, 1), mode=mode, value=2.0)
    with pytest.raises(ValueError, match=f"pad: padding mode '{mode}' doesn't take a value "
                                         r"argument \(got 2.0\)"):
        F.pad(wl.ones(1, 2, 3), (1, 1), mode=mode, value=2.0)
    assert F.pad(wl.ones(1, 2, 3), (1, 1), mode=mode).shape == (1, 2, 5)
