"""Every distribution against torch.distributions with identical float64 parameters: log_prob,
entropy, moments, cdf and icdf, values and gradients (with respect to the parameters and the
value). A case builds the distribution from either library with the same code."""
import numpy as np
import pytest
import torch

import wonderland as wl

from .torch_check import check

rng = np.random.default_rng(0)
B = (3, 4)


def _u(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, size=shape)


def _simplex(*shape):
    p = rng.uniform(0.1, 1.0, size=shape)
    return p / p.sum(-1, keepdims=True)


def _lower(n, batch=()):
    a = rng.normal(size=batch + (n, n)) * 0.3
    return np.tril(a, -1) + np.diag(rng.uniform(0.8, 1.5, size=n))


def _spd(n, batch=()):
    a = rng.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


LOW, WIDTH = _u(*B), _u(*B, low=0.5, high=2.0)

# name: (build(lib, *params), params, value (a float array; discrete values are whole), the
# quantities PyTorch defines for it besides log_prob, whether the value is an index)
CASES = {
    "normal": (lambda lib, m, s: lib.distributions.Normal(m, s), [_u(*B), _u(*B, low=0.5)],
               _u(*B), ["entropy", "mean", "mode", "variance", "stddev", "cdf", "icdf"], False),
    "normal_broadcast": (lambda lib, m, s: lib.distributions.Normal(m, s),
                         [_u(4), _u(3, 1, low=0.5)], _u(2, 3, 4), ["entropy", "cdf"], False),
    "categorical_probs": (lambda lib, p: lib.distributions.Categorical(probs=p),
                          [_simplex(*B)], rng.integers(0, 4, size=(2, 3)).astype(float),
                          ["entropy", "mean", "variance", "mode"], True),
    "categorical_logits": (lambda lib, lg: lib.distributions.Categorical(logits=lg),
                           [_u(*B)], rng.integers(0, 4, size=(3,)).astype(float),
                           ["entropy", "mode"], True),
    "bernoulli_probs": (lambda lib, p: lib.distributions.Bernoulli(probs=p),
                        [np.append(_u(*B, low=0.05, high=0.95).ravel()[:-1], 0.5).reshape(B)],
                        rng.integers(0, 2, size=B).astype(float),
                        ["entropy", "mean", "mode", "variance", "stddev"], False),
    "bernoulli_logits": (lambda lib, lg: lib.distributions.Bernoulli(logits=lg),
                         [_u(*B, low=-30, high=30)], rng.integers(0, 2, size=B).astype(float),
                         ["entropy", "mean", "variance"], False),
    "uniform": (lambda lib, lo, w: lib.distributions.Uniform(lo, lo + w),
                [LOW, WIDTH], LOW + WIDTH * _u(*B, low=0.0, high=1.0),
                ["entropy", "mean", "variance", "stddev", "cdf", "icdf"], False),
    "independent_normal": (lambda lib, m, s: lib.distributions.Independent(
        lib.distributions.Normal(m, s), 1), [_u(*B), _u(*B, low=0.5)], _u(*B),
        ["entropy", "mean", "mode", "variance"], False),
    "mvn_scale_tril": (lambda lib, m, lt: lib.distributions.MultivariateNormal(m, scale_tril=lt),
                       [_u(2, 3), _lower(3, (2,))], _u(4, 2, 3),
                       ["entropy", "mean", "mode", "variance", "covariance_matrix",
                        "precision_matrix", "scale_tril"], False),
    "mvn_covariance": (lambda lib, m, cov: lib.distributions.MultivariateNormal(
        m, covariance_matrix=cov), [_u(3), _spd(3, (2,))], _u(3),
        ["entropy", "variance", "scale_tril", "precision_matrix"], False),
    "mvn_precision": (lambda lib, m, prec: lib.distributions.MultivariateNormal(
        m, precision_matrix=prec), [_u(2, 3), _spd(3)], _u(2, 3),
        ["entropy", "variance", "scale_tril", "covariance_matrix"], False),
    "lognormal": (lambda lib, m, s: lib.distributions.LogNormal(m, s),
                  [_u(*B, low=-1, high=1), _u(*B, low=0.3, high=1.0)], _u(*B, low=0.2, high=3),
                  ["entropy", "mean", "mode", "variance", "cdf", "icdf"], False),
    "affine_sigmoid": (lambda lib, m, s, a, b: lib.distributions.TransformedDistribution(
        lib.distributions.Normal(m, s), [lib.distributions.AffineTransform(a, b),
                                         lib.distributions.SigmoidTransform()]),
        [_u(*B), _u(*B, low=0.5), _u(*B), _u(*B, low=0.5)], _u(*B, low=0.05, high=0.95),
        ["cdf", "icdf"], False),
    "negative_affine": (lambda lib, m, s, b: lib.distributions.TransformedDistribution(
        lib.distributions.Normal(m, s), lib.distributions.AffineTransform(1.5, -b)),
        [_u(*B), _u(*B, low=0.5), _u(*B, low=0.5)], _u(*B), ["cdf", "icdf"], False),
    "tanh": (lambda lib, m, s: lib.distributions.TransformedDistribution(
        lib.distributions.Normal(m, s), [lib.distributions.transforms.TanhTransform()]),
        [_u(*B, low=-1, high=1), _u(*B, low=0.3)], _u(*B, low=-0.9, high=0.9), ["cdf"], False),
    "affine_event": (lambda lib, m, s, b: lib.distributions.TransformedDistribution(
        lib.distributions.Normal(m, s), lib.distributions.AffineTransform(0.5, b, event_dim=1)),
        [_u(*B), _u(*B, low=0.5), _u(4, low=0.5)], _u(*B), [], False),
    "exp_of_independent": (lambda lib, m, s: lib.distributions.TransformedDistribution(
        lib.distributions.Independent(lib.distributions.Normal(m, s), 1),
        lib.distributions.ExpTransform()), [_u(*B), _u(*B, low=0.5)], _u(*B, low=0.2, high=3),
        [], False),
    "gamma": (lambda lib, a, r: lib.distributions.Gamma(a, r),
              [_u(*B, low=0.3, high=4), _u(*B, low=0.5, high=3)], _u(*B, low=0.1, high=4),
              ["entropy", "mean", "mode", "variance"], False),
    "beta": (lambda lib, a, b: lib.distributions.Beta(a, b),
             [_u(*B, low=0.3, high=4), _u(*B, low=0.3, high=4)], _u(*B, low=0.05, high=0.95),
             ["entropy", "mean", "mode", "variance"], False),
    "dirichlet": (lambda lib, c: lib.distributions.Dirichlet(c),
                  [np.concatenate([_u(2, 3, low=0.3, high=3), _u(1, 3, low=0.2, high=0.9)])],
                  _simplex(3, 3), ["entropy", "mean", "mode", "variance"], False),
}


def _build(lib, name, arrays):
    build, n_params = CASES[name][0], len(CASES[name][1])
    return build(lib, *arrays[:n_params])


def _value(name, tensor):
    return tensor.long() if CASES[name][4] else tensor


@pytest.mark.parametrize("name", CASES)
def test_log_prob(name):
    _, params, value, _, _ = CASES[name]
    check(lambda *a: _build(wl, name, a).log_prob(_value(name, a[-1])),
          lambda *a: _build(torch, name, a).log_prob(_value(name, a[-1])), *params, value)


# PyTorch's CPU trigamma (the entropies' slopes) is off by up to ~1e-9 relative, where SciPy's
# (ours) agrees with mpmath to 1e-15: those slopes are compared at 1e-8 (1e-9 absolute)
LOOSE = {"gamma", "beta", "dirichlet"}

QUANTITIES = [(name, q) for name, case in CASES.items() for q in case[3]]


@pytest.mark.parametrize("name, quantity", QUANTITIES)
def test_quantity(name, quantity):
    _, params, value, _, _ = CASES[name]
    if quantity in ("cdf", "icdf"):
        point = value if quantity == "cdf" else rng.uniform(0.05, 0.95, size=value.shape)
        check(lambda *a: getattr(_build(wl, name, a), quantity)(a[-1]),
              lambda *a: getattr(_build(torch, name, a), quantity)(a[-1]), *params, point)
        return

    def read(lib):
        def fn(*a):
            d = _build(lib, name, a)
            return d.entropy() if quantity == "entropy" else getattr(d, quantity)
        return fn

    loose = {"rtol": 1e-8, "atol": 1e-9} if name in LOOSE else {}
    check(read(wl), read(torch), *params, **loose)


@pytest.mark.parametrize("name", CASES)
def test_shapes_and_expand_as_pytorch(name):
    _, params, _, _, _ = CASES[name]
    ours = _build(wl, name, [wl.tensor(p) for p in params])
    theirs = _build(torch, name, [torch.tensor(p) for p in params])
    assert ours.batch_shape == tuple(theirs.batch_shape)
    assert ours.event_shape == tuple(theirs.event_shape)
    assert ours.sample((2,)).shape == tuple(theirs.sample((2,)).shape)
    shape = (5,) + tuple(theirs.batch_shape)
    big, tbig = ours.expand(shape), theirs.expand(shape)
    assert big.batch_shape == tuple(tbig.batch_shape) and big.sample().shape == \
        tuple(tbig.sample().shape)
    assert ours.has_rsample == theirs.has_rsample


def test_uniform_outside_its_support_without_validation_as_pytorch():
    value = np.array([-1.0, 0.0, 0.5, 1.0, 2.0])
    check(lambda lo, v: wl.distributions.Uniform(lo, lo + 1, validate_args=False).log_prob(v),
          lambda lo, v: torch.distributions.Uniform(lo, lo + 1, validate_args=False).log_prob(v),
          np.zeros(5), value)
    check(lambda lo, v: wl.distributions.Uniform(lo, lo + 1, validate_args=False).cdf(v),
          lambda lo, v: torch.distributions.Uniform(lo, lo + 1, validate_args=False).cdf(v),
          np.zeros(5), value)


PROBS = _simplex(2, 3)


@pytest.mark.parametrize("build", [
    lambda lib: lib.distributions.Categorical(probs=lib.tensor(PROBS)),
    lambda lib: lib.distributions.Bernoulli(probs=lib.tensor([0.2, 0.7, 0.5])),
])
@pytest.mark.parametrize("expand", [True, False])
def test_enumerate_support_as_pytorch(build, expand):
    ours, theirs = build(wl), build(torch)
    assert ours.has_enumerate_support and theirs.has_enumerate_support
    np.testing.assert_array_equal(ours.enumerate_support(expand).numpy(),
                                  theirs.enumerate_support(expand).numpy())
    np.testing.assert_allclose(ours.perplexity().numpy(), theirs.perplexity().numpy(),
                               rtol=1e-6)
