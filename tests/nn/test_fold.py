"""Fold and Unfold (F.fold/F.unfold) against PyTorch (float64): outputs and input gradients
over kernel sizes, dilation, padding and stride, batched and unbatched; reprs and errors."""
import numpy as np
import pytest
import torch

import wonderland as wl
from tests.nn.test_conv import check_function, check_layer
from wonderland import nn
from wonderland.nn import functional as F

TF = torch.nn.functional
RNG = np.random.default_rng(5)

GEOMETRY = [  # (kernel_size, dilation, padding, stride, (C, H, W))
    (2, 1, 0, 1, (3, 4, 5)),
    ((2, 3), 1, 1, 2, (2, 5, 6)),
    (3, 2, (1, 0), (1, 2), (2, 7, 8)),
    ((1, 2), (2, 1), 0, (3, 1), (1, 7, 5)),
    (3, 1, 1, 1, (2, 3, 3)),
]


@pytest.mark.parametrize("k, d, p, s, shape", GEOMETRY)
def test_unfold_matches_torch(k, d, p, s, shape):
    kw = {"kernel_size": k, "dilation": d, "padding": p, "stride": s}
    x = RNG.standard_normal((2, *shape))
    check_function(F.unfold, TF.unfold, x, **kw)
    check_function(F.unfold, TF.unfold, x[0], **kw)  # unbatched
    check_layer(nn.Unfold(**kw), torch.nn.Unfold(**kw), x)
    assert repr(nn.Unfold(**kw)) == repr(torch.nn.Unfold(**kw))


@pytest.mark.parametrize("k, d, p, s, shape", GEOMETRY)
def test_fold_matches_torch(k, d, p, s, shape):
    kw = {"kernel_size": k, "dilation": d, "padding": p, "stride": s}
    cols = TF.unfold(torch.zeros(1, *shape), **kw).shape[1:]
    x = RNG.standard_normal((2, *cols))
    size = shape[1:]
    check_function(F.fold, TF.fold, x, output_size=size, **kw)
    check_function(F.fold, TF.fold, x[1], output_size=size, **kw)  # unbatched
    check_layer(nn.Fold(size, **kw), torch.nn.Fold(size, **kw), x)
    assert repr(nn.Fold(size, **kw)) == repr(torch.nn.Fold(size, **kw))


def test_fold_of_unfold_counts_the_overlaps():
    x = wl.ones(1, 1, 4, 4)
    y = F.fold(F.unfold(x, 2, stride=1), (4, 4), 2, stride=1)
    np.testing.assert_array_equal(y.numpy()[0, 0], [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2],
                                                    [1, 2, 2, 1]])


def test_fold_and_unfold_errors():
    with pytest.raises(ValueError, match=r"fold: expected 9 blocks \(3 x 3\) for output_size "
                                         r"\(4, 4\).*has 8"):
        F.fold(wl.zeros(1, 4, 8), 4, 2)
    with pytest.raises(ValueError, match="fold: the 5 rows of input .* divisible by the "
                                         "kernel's 4 positions"):
        F.fold(wl.zeros(1, 5, 9), 4, 2)
    with pytest.raises(ValueError, match=r"unfold: expected a 4-D \(N, C, H, W\)"):
        F.unfold(wl.zeros(2, 3), 2)
    with pytest.raises(ValueError, match="unfold: the kernel"):
        F.unfold(wl.zeros(1, 1, 2, 2), 3)
