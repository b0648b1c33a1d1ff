"""Dropout2d on input that is not 4-D, as PyTorch: the same warnings (text and category), 3-D
read as (N, C, L), 2-D dropped elementwise, 5-D per (N, C) feature map, 1-D refused."""
import warnings

import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland import nn
from wonderland.nn import functional as F


def _warnings(call) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


@pytest.mark.parametrize("shape", [(6, 8), (2, 3, 5), (2, 3, 2, 2, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_dropout2d_warns_as_torch(shape, training):
    ours, theirs = nn.Dropout2d(0.5), torch.nn.Dropout2d(0.5)
    ours.train(training), theirs.train(training)
    got = _warnings(lambda: ours(wl.ones(*shape)))
    want = _warnings(lambda: theirs(torch.ones(*shape)))
    assert got == want and len(want) == 1


def test_dropout2d_warning_points_at_the_caller():
    with pytest.warns(UserWarning, match="Received a 2-D input") as record:
        F.dropout2d(wl.ones(4, 4))
    assert record[0].filename == __file__


def test_dropout2d_on_2d_input_drops_elementwise():
    x = wl.ones(300, 400, dtype=wl.float64, requires_grad=True)
    with pytest.warns(UserWarning, match="2-D input"):
        y = nn.Dropout2d(0.25, generator=wl.Generator(2))(x)
    v = y.detach().numpy()
    assert set(np.unique(v)) == {0.0, 1 / 0.75}
    assert abs((v == 0).mean() - 0.25) < 0.01
    assert 0 < (v == 0).mean(axis=1).min() and (v == 0).mean(axis=1).max() < 1  # not per row
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), v)


def test_dropout2d_on_5d_input_drops_whole_feature_maps():
    with pytest.warns(UserWarning, match="5-D input"):
        v = F.dropout2d(wl.ones(30, 40, 2, 3, 2), 0.5, generator=wl.Generator(3)).numpy()
    per_map = v.reshape(30, 40, -1)
    assert ((per_map == 0).all(-1) | (per_map == 2).all(-1)).all()
    assert 0.4 < (per_map == 0).all(-1).mean() < 0.6


def test_dropout2d_refuses_1d_input_after_warning_as_torch():
    with pytest.warns(UserWarning, match="1-D input"), pytest.raises(RuntimeError):
        torch.nn.Dropout2d()(torch.ones(3))
    with pytest.warns(UserWarning, match="1-D input"), \
            pytest.raises(ValueError, match="dropout2d: feature dropout requires at least 2"):
        nn.Dropout2d()(wl.ones(3))
