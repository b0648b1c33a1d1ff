"""Softmax2d against PyTorch (float64): values and gradients, batched and unbatched; errors."""
import numpy as np
import pytest
import torch

import wonderland as wl
from tests.nn.test_conv import check_layer
from wonderland import nn

RNG = np.random.default_rng(11)


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (4, 2, 3)])
def test_softmax2d_matches_torch(shape):
    check_layer(nn.Softmax2d(), torch.nn.Softmax2d(), RNG.standard_normal(shape) * 3)
    assert repr(nn.Softmax2d()) == repr(torch.nn.Softmax2d())


def test_softmax2d_needs_3_or_4_dimensions():
    with pytest.raises(ValueError, match=r"Softmax2d: expected a 3-D \(C, H, W\) or 4-D "
                                         r"\(N, C, H, W\) input, got shape \(3, 4\)"):
        nn.Softmax2d()(wl.zeros(3, 4))
