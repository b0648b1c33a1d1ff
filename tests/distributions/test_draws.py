"""Draws: seeded sample statistics match each distribution's moments; rsample is differentiable
in the parameters (d/dscale of loc + eps scale is eps), sample is not; seeds repeat draws."""
import numpy as np
import pytest
from scipy import special

import wonderland as wl

from .torch_check import sample_moments

D = wl.distributions

MOMENTS = {
    "normal": lambda: D.Normal(wl.tensor([-1.0, 2.0]), wl.tensor([0.5, 3.0])),
    "uniform": lambda: D.Uniform(wl.tensor([-1.0, 2.0]), wl.tensor([0.0, 5.0])),
    "bernoulli": lambda: D.Bernoulli(probs=wl.tensor([0.1, 0.5, 0.8])),
    "bernoulli_logits": lambda: D.Bernoulli(logits=wl.tensor([-2.0, 0.0, 1.5])),
    "independent": lambda: D.Independent(D.Normal(wl.tensor([[1.0, -1.0]]),
                                                  wl.tensor([[2.0, 0.5]])), 1),
    "lognormal": lambda: D.LogNormal(wl.tensor([0.0, 1.0]), wl.tensor([0.25, 0.5])),
    "gamma": lambda: D.Gamma(wl.tensor([0.5, 3.0]), wl.tensor([1.0, 2.0])),
    "beta": lambda: D.Beta(wl.tensor([0.5, 3.0]), wl.tensor([2.0, 1.5])),
    "dirichlet": lambda: D.Dirichlet(wl.tensor([0.5, 3.0, 1.0])),
    "mvn": lambda: D.MultivariateNormal(wl.tensor([1.0, -2.0]), wl.tensor([[2.0, 0.6],
                                                                          [0.6, 0.5]])),
}


@pytest.mark.parametrize("name", MOMENTS)
def test_sample_moments(name):
    d = MOMENTS[name]()
    mean, var = sample_moments(d)
    np.testing.assert_allclose(mean, d.mean.numpy(), atol=0.05 * np.sqrt(d.variance.numpy()).max())
    np.testing.assert_allclose(var, d.variance.numpy(), rtol=0.05)


def test_transformed_draws_pass_through_the_transforms():
    d = D.TransformedDistribution(D.Normal(wl.tensor([0.0, 1.0]), 1.0), D.SigmoidTransform())
    wl.manual_seed(3)
    draws = d.sample((20000,)).numpy()
    assert ((draws > 0) & (draws < 1)).all()
    np.testing.assert_allclose(np.median(draws, 0), [0.5, 1 / (1 + np.exp(-1))], atol=0.01)


def test_multivariate_normal_draws_have_its_covariance():
    cov = np.array([[2.0, 0.6, 0.0], [0.6, 0.5, -0.2], [0.0, -0.2, 1.0]])
    wl.manual_seed(2)
    d = D.MultivariateNormal(wl.tensor([1.0, -2.0, 0.0], dtype=wl.float64),
                             precision_matrix=wl.tensor(np.linalg.inv(cov)))
    draws = d.sample((40000,)).numpy()
    np.testing.assert_allclose(np.cov(draws.T), cov, atol=0.05)


def test_categorical_draws_classes_by_probability():
    probs = np.array([[0.2, 0.0, 0.8], [0.5, 0.25, 0.25]])
    wl.manual_seed(1)
    draws = D.Categorical(probs=wl.tensor(probs)).sample((20000,)).numpy()
    assert draws.shape == (20000, 2) and draws.dtype == np.int64
    for j in range(2):
        np.testing.assert_allclose(np.bincount(draws[:, j], minlength=3) / 20000, probs[j],
                                   atol=0.015)
    logits = D.Categorical(logits=wl.tensor(np.log(probs[1]))).sample((20000,)).numpy()
    np.testing.assert_allclose(np.bincount(logits, minlength=3) / 20000, probs[1], atol=0.015)


def test_normal_rsample_is_differentiable_and_sample_is_not():
    loc = wl.tensor([0.5, -1.0], dtype=wl.float64, requires_grad=True)
    scale = wl.tensor([2.0, 0.3], dtype=wl.float64, requires_grad=True)
    d = D.Normal(loc, scale)
    x = d.rsample((7,))
    x.sum().backward()
    eps = (x.detach().numpy() - loc.detach().numpy()) / scale.detach().numpy()
    np.testing.assert_allclose(loc.grad.numpy(), [7.0, 7.0])
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0))
    assert not d.sample((3,)).requires_grad


def test_uniform_rsample_slopes():
    low = wl.tensor([0.0], dtype=wl.float64, requires_grad=True)
    high = wl.tensor([4.0], dtype=wl.float64, requires_grad=True)
    x = D.Uniform(low, high).rsample((5,))
    x.sum().backward()
    u = x.detach().numpy() / 4.0
    np.testing.assert_allclose(high.grad.numpy(), u.sum(0))
    np.testing.assert_allclose(low.grad.numpy(), (1 - u).sum(0))


@pytest.mark.parametrize("name", MOMENTS)
def test_seed_repeats_draws(name):
    d = MOMENTS[name]()
    wl.manual_seed(11)
    first = d.sample((4,)).numpy()
    wl.manual_seed(11)
    np.testing.assert_array_equal(d.sample((4,)).numpy(), first)


@pytest.mark.parametrize("a", [0.3, 1.0, 4.5])
def test_gamma_rsample_slope_keeps_the_cdf_fixed(a):
    """dz/da of each draw equals the slope of the inverse CDF at the draw's quantile."""
    conc = wl.tensor(np.full(50, a), dtype=wl.float64, requires_grad=True)
    wl.manual_seed(4)
    z = D.Gamma(conc, 1.0).rsample()
    z.sum().backward()
    u = special.gammainc(a, z.detach().numpy())
    h = 1e-6
    expected = (special.gammaincinv(a + h, u) - special.gammaincinv(a - h, u)) / (2 * h)
    np.testing.assert_allclose(conc.grad.numpy(), expected, rtol=1e-5, atol=1e-12)


@pytest.mark.parametrize("make, mean", [
    (lambda c: D.Gamma(c, 2.0), lambda c: c / 2.0),
    (lambda c: D.Beta(c, 2.0), lambda c: c / (c + 2.0)),
    (lambda c: D.Dirichlet(wl.stack([c, c * 0 + 2.0], -1)), lambda c: c / (c + 2.0)),
])
def test_rsample_slope_of_the_mean(make, mean):
    """The average slope of many draws is the slope of the mean (d E[x] / dc)."""
    c = wl.tensor(1.5, dtype=wl.float64, requires_grad=True)
    wl.manual_seed(5)
    draws = make(c).rsample((40000,))
    first = draws if draws.ndim == 1 else draws[..., 0]
    first.mean().backward()
    h = 1e-6
    slope = (mean(1.5 + h) - mean(1.5 - h)) / (2 * h)
    assert c.grad.item() == pytest.approx(slope, rel=0.05)
