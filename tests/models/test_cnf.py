"""The continuous normalising flow against the closed form of a linear field (z(1) = e^A x,
log p(x) = log N(e^A x) + tr A), Hutchinson's estimate unbiased around the exact divergence,
gradients by the adjoint against backpropagation through the solver, samples carried back."""
import math

import numpy as np
import pytest
from scipy.linalg import expm

import wonderland as wl
from wonderland import nn
from wonderland.models.cnf import CNF, TimeMLP


class LinearField(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.a = nn.Parameter(wl.tensor(a))

    def forward(self, t, z):
        return z @ self.a.T


def test_log_prob_of_a_linear_field_has_the_closed_form():
    a = np.array([[0.3, -0.8], [0.5, -0.2]])
    x = np.random.default_rng(0).normal(size=(6, 2))
    z1 = x @ expm(a).T
    want = -0.5 * (z1 ** 2).sum(1) - math.log(2 * math.pi) + np.trace(a)
    model = CNF(LinearField(a), 2, divergence="exact", rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(model.log_prob(wl.tensor(x)).detach().numpy(), want, rtol=1e-8)
    gen, loose = wl.Generator(0), CNF(LinearField(a), 2, rtol=1e-6, atol=1e-6)
    loose = loose.to(wl.float64)
    est = np.array([loose.log_prob(wl.tensor(x), "hutchinson", gen).detach().numpy()
                    for _ in range(100)])
    # Rademacher: z^T A z = tr A + (a12 + a21) z1 z2, so the estimate's deviation is |a12 + a21|
    spread = abs(a[0, 1] + a[1, 0])
    np.testing.assert_allclose(est.std(0), spread, rtol=0.2)
    np.testing.assert_allclose(est.mean(0), want, atol=4 * spread / math.sqrt(100))


def test_adjoint_gradients_match_backpropagation():
    wl.manual_seed(0)
    model = CNF(TimeMLP(2, 8, 2), 2, divergence="exact", rtol=1e-9, atol=1e-9).to(wl.float64)
    x = wl.randn(5, 2, dtype=wl.float64)
    ps = list(model.parameters())
    adjoint = wl.autograd.grad(-model.log_prob(x).mean(), ps)
    model.adjoint = False
    direct = wl.autograd.grad(-model.log_prob(x).mean(), ps)
    for a, d in zip(adjoint, direct):
        np.testing.assert_allclose(a.numpy(), d.numpy(), rtol=1e-5, atol=1e-7)


def test_samples_are_the_field_run_backwards():
    a = np.array([[0.0, 1.0], [-1.0, 0.0]])  # a rotation by one radian
    model = CNF(LinearField(a), 2, rtol=1e-9, atol=1e-9).to(wl.float32)
    gen = wl.Generator(3)
    x = model.sample(4, gen).numpy()
    z = wl.randn(4, 2, generator=wl.Generator(3)).numpy()
    np.testing.assert_allclose(x, z @ expm(-a).T, atol=1e-4)
    with pytest.raises(ValueError, match="divergence must be 'exact' or 'hutchinson'"):
        CNF(LinearField(a), 2, divergence="hutch++")
