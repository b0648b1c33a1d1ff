"""kl_divergence against torch.distributions.kl_divergence (values and gradients with respect to
both distributions' parameters, float64), the infinite and zero edges, and the registry."""
import numpy as np
import pytest
import torch

import wonderland as wl

from .test_against_torch import LOOSE, B, _lower, _simplex, _spd, _u
from .torch_check import check

# name: (build p and q from lib and the parameters, the parameters)
PAIRS = {
    "normal": (lambda m, a, b, c, d: (m.Normal(a, b), m.Normal(c, d)),
               [_u(*B), _u(*B, low=0.5), _u(*B), _u(*B, low=0.5)]),
    "bernoulli": (lambda m, a, b: (m.Bernoulli(probs=a), m.Bernoulli(logits=b)),
                  [_u(*B, low=0.05, high=0.95), _u(*B)]),
    "categorical": (lambda m, a, b: (m.Categorical(probs=a), m.Categorical(logits=b)),
                    [_simplex(*B), _u(*B)]),
    "uniform": (lambda m, a, b: (m.Uniform(a, a + 1), m.Uniform(a - b, a + 1 + b)),
                [_u(*B), _u(*B, low=0.1, high=1)]),
    "uniform_normal": (lambda m, a, b, c: (m.Uniform(a, a + b), m.Normal(c, b)),
                       [_u(*B), _u(*B, low=0.5), _u(*B)]),
    "independent": (lambda m, a, b, c: (m.Independent(m.Normal(a, b), 1),
                                        m.Independent(m.Normal(c, b), 1)),
                    [_u(*B), _u(*B, low=0.5), _u(*B)]),
    "mvn": (lambda m, a, b, c, d: (m.MultivariateNormal(a, scale_tril=b),
                                   m.MultivariateNormal(c, covariance_matrix=d)),
            [_u(2, 3), _lower(3, (2,)), _u(3), _spd(3)]),
    "beta": (lambda m, a, b, c, d: (m.Beta(a, b), m.Beta(c, d)),
             [_u(*B, low=0.3, high=3) for _ in range(4)]),
    "gamma": (lambda m, a, b, c, d: (m.Gamma(a, b), m.Gamma(c, d)),
              [_u(*B, low=0.3, high=3) for _ in range(4)]),
    "dirichlet": (lambda m, a, b: (m.Dirichlet(a), m.Dirichlet(b)),
                  [_u(*B, low=0.3, high=3), _u(*B, low=0.3, high=3)]),
    "lognormal": (lambda m, a, b, c, d: (m.LogNormal(a, b), m.LogNormal(c, d)),
                  [_u(*B), _u(*B, low=0.5), _u(*B), _u(*B, low=0.5)]),
    "transformed": (lambda m, a, b, c: (
        m.TransformedDistribution(m.Normal(a, b), [m.AffineTransform(1.0, 2.0),
                                                   m.SigmoidTransform()]),
        m.TransformedDistribution(m.Normal(c, b), [m.AffineTransform(1.0, 2.0),
                                                   m.SigmoidTransform()])),
        [_u(*B), _u(*B, low=0.5), _u(*B)]),
}


def _kl(lib, name):
    build = PAIRS[name][0]
    return lambda *a: lib.distributions.kl_divergence(*build(lib.distributions, *a))


@pytest.mark.parametrize("name", PAIRS)
def test_kl_divergence_as_pytorch(name):
    loose = {"rtol": 1e-8, "atol": 1e-9} if name in LOOSE else {}
    check(_kl(wl, name), _kl(torch, name), *PAIRS[name][1], **loose)


def _edges(lib):
    d = lib.distributions
    p, q = [0.0, 0.3, 1.0, 0.5], [0.5, 0.0, 0.5, 1.0]
    return [d.kl_divergence(d.Bernoulli(probs=lib.tensor(p)), d.Bernoulli(probs=lib.tensor(q))),
            d.kl_divergence(d.Categorical(probs=lib.tensor([[0.0, 1.0], [0.5, 0.5]])),
                            d.Categorical(probs=lib.tensor([[0.5, 0.5], [1.0, 0.0]]))),
            d.kl_divergence(d.Uniform(lib.tensor([0.0]), 1.0), d.Uniform(lib.tensor([0.5]), 2.0))]


def test_infinite_and_zero_edges_as_pytorch():
    ours = [k.numpy() for k in _edges(wl)]
    for got, expected in zip(ours, _edges(torch), strict=True):
        np.testing.assert_allclose(got, expected.numpy())
    assert np.isinf(ours[0][1]) and np.isinf(ours[1][1]) and np.isinf(ours[2][0])


def test_registry_takes_the_most_specific_pair():
    d = wl.distributions

    class MyNormal(d.Normal):
        pass

    p, q = MyNormal(0.0, 1.0), d.Normal(1.0, 1.0)
    assert d.kl_divergence(p, q).item() == pytest.approx(0.5)

    @d.register_kl(MyNormal, d.Normal)
    def _mine(p, q):
        return wl.tensor(-1.0)

    assert d.kl_divergence(p, q).item() == -1.0
    assert d.kl_divergence(q, q).item() == 0.0


def test_unregistered_pairs_and_bad_registrations_raise():
    d = wl.distributions
    with pytest.raises(NotImplementedError, match="p type Normal and q type Bernoulli"):
        d.kl_divergence(d.Normal(0.0, 1.0), d.Bernoulli(probs=wl.tensor(0.5)))
    with pytest.raises(TypeError, match="Distribution subclass"):
        d.register_kl(int, d.Normal)
    with pytest.raises(NotImplementedError, match="different transforms"):
        d.kl_divergence(d.TransformedDistribution(d.Normal(0.0, 1.0), d.ExpTransform()),
                        d.TransformedDistribution(d.Normal(0.0, 1.0), d.TanhTransform()))
