"""Transforms against torch.distributions.transforms: forward, inverse and log |det J| (values
and gradients, float64), sign, equality, and the cache that inverts a draw exactly."""
import numpy as np
import pytest
import torch

import wonderland as wl

from .torch_check import check

dist = wl.distributions

X = np.random.default_rng(1).uniform(-2, 2, size=(3, 4))
SCALE = np.random.default_rng(2).uniform(0.5, 2, size=(4,))

TRANSFORMS = {
    "exp": lambda lib, *p: lib.distributions.ExpTransform(),
    "sigmoid": lambda lib, *p: lib.distributions.SigmoidTransform(),
    "tanh": lambda lib, *p: lib.distributions.TanhTransform(),
    "affine": lambda lib, s: lib.distributions.AffineTransform(0.3, s),
    "affine_event": lambda lib, s: lib.distributions.AffineTransform(-1.0, -s, event_dim=1),
    "compose": lambda lib, s: lib.distributions.ComposeTransform(
        [lib.distributions.AffineTransform(0.0, s), lib.distributions.TanhTransform()]),
    "inverse_sigmoid": lambda lib, *p: lib.distributions.SigmoidTransform().inv,
}
PARAMS = {"affine": [SCALE], "affine_event": [SCALE], "compose": [SCALE]}


@pytest.mark.parametrize("name", TRANSFORMS)
def test_forward_inverse_and_log_det(name):
    make, params = TRANSFORMS[name], PARAMS.get(name, [])
    x = X if name != "inverse_sigmoid" else 1 / (1 + np.exp(-X))
    check(lambda x, *p: make(wl, *p)(x), lambda x, *p: make(torch, *p)(x), x, *params)
    check(lambda x, *p: make(wl, *p).inv(make(wl, *p)(x)),
          lambda x, *p: make(torch, *p).inv(make(torch, *p)(x)), x, *params, rtol=1e-9)
    check(lambda x, *p: make(wl, *p).log_abs_det_jacobian(x, make(wl, *p)(x)),
          lambda x, *p: make(torch, *p).log_abs_det_jacobian(x, make(torch, *p)(x)),
          x, *params)


def test_sign_and_equality():
    assert dist.ExpTransform() == dist.ExpTransform()
    assert dist.ExpTransform() != dist.TanhTransform()
    assert dist.AffineTransform(0.0, 2.0) == dist.AffineTransform(0.0, 2.0)
    assert dist.AffineTransform(0.0, 2.0) != dist.AffineTransform(0.0, -2.0)
    assert dist.AffineTransform(0.0, -2.0).sign == -1
    assert dist.ComposeTransform([dist.AffineTransform(0.0, -2.0), dist.ExpTransform()]).sign == -1


def test_cache_inverts_a_saturated_tanh_draw_exactly():
    t = wl.distributions.TanhTransform(cache_size=1)
    x = wl.tensor([25.0], dtype=wl.float64)
    y = t(x)  # tanh(25) rounds to 1.0: without the cache atanh gives inf
    assert t.inv(y) is x
    with np.errstate(divide="ignore"):
        assert not np.isfinite(wl.distributions.TanhTransform().inv(y).numpy()).all()
    with pytest.raises(ValueError, match="cache_size"):
        wl.distributions.TanhTransform(cache_size=2)
