"""Argument validation as PyTorch's: a bad parameter or a value outside the support raises
ValueError naming the distribution and the parameter; validate_args=False turns it off."""
import pytest
import torch

import wonderland as wl

BAD = {
    "normal_scale": (lambda lib: lib.distributions.Normal(lib.tensor([0.0]),
                                                          lib.tensor([-1.0])),
                     r"parameter scale .*Normal"),
    "normal_nan_loc": (lambda lib: lib.distributions.Normal(lib.tensor([float("nan")]), 1.0),
                       r"parameter loc .*Normal"),
    "categorical_probs": (lambda lib: lib.distributions.Categorical(
        probs=lib.tensor([-0.5, 1.5])), r"parameter probs .*Categorical"),
    "categorical_both": (lambda lib: lib.distributions.Categorical(
        probs=lib.tensor([0.5, 0.5]), logits=lib.tensor([0.0, 0.0])), "but not both"),
    "categorical_scalar": (lambda lib: lib.distributions.Categorical(probs=lib.tensor(1.0)),
                           "at least one-dimensional"),
    "bernoulli_probs": (lambda lib: lib.distributions.Bernoulli(probs=lib.tensor([1.5])),
                        r"parameter probs .*Bernoulli"),
    "bernoulli_none": (lambda lib: lib.distributions.Bernoulli(), "but not both"),
    "uniform_order": (lambda lib: lib.distributions.Uniform(lib.tensor([1.0]), lib.tensor([0.0])),
                      r"parameter low .*Uniform.*LessThan"),
    "independent_ndims": (lambda lib: lib.distributions.Independent(
        lib.distributions.Normal(lib.zeros(3), 1.0), 2), "reinterpreted_batch_ndims"),
    "normal_value_shape": (lambda lib: lib.distributions.Normal(lib.zeros(3), 1.0).log_prob(
        lib.zeros(2)), "broadcastable"),
    "categorical_value": (lambda lib: lib.distributions.Categorical(
        probs=lib.tensor([0.5, 0.5])).log_prob(lib.tensor(2)), "support"),
    "bernoulli_value": (lambda lib: lib.distributions.Bernoulli(
        probs=lib.tensor([0.5])).log_prob(lib.tensor([0.5])), "support"),
    "uniform_value": (lambda lib: lib.distributions.Uniform(0.0, 1.0).log_prob(
        lib.tensor(2.0)), "support"),
    "mvn_two_matrices": (lambda lib: lib.distributions.MultivariateNormal(
        lib.zeros(2), covariance_matrix=lib.eye(2), scale_tril=lib.eye(2)), "(?i)exactly one"),
    "mvn_scalar_loc": (lambda lib: lib.distributions.MultivariateNormal(
        lib.tensor(0.0), covariance_matrix=lib.eye(1)), "at least one-dimensional"),
    "mvn_not_positive_definite": (lambda lib: lib.distributions.MultivariateNormal(
        lib.zeros(2), covariance_matrix=lib.tensor([[1.0, 2.0], [2.0, 1.0]])),
        r"parameter covariance_matrix .*MultivariateNormal"),
    "mvn_scale_tril_upper": (lambda lib: lib.distributions.MultivariateNormal(
        lib.zeros(2), scale_tril=lib.tensor([[1.0, 1.0], [0.0, 1.0]])),
        r"parameter scale_tril .*MultivariateNormal"),
    "lognormal_scale": (lambda lib: lib.distributions.LogNormal(0.0, -1.0), "parameter scale"),
    "lognormal_value": (lambda lib: lib.distributions.LogNormal(0.0, 1.0).log_prob(
        lib.tensor(-1.0)), "support"),
    "gamma_rate": (lambda lib: lib.distributions.Gamma(1.0, lib.tensor([0.0])),
                   r"parameter rate .*Gamma"),
    "beta_concentration": (lambda lib: lib.distributions.Beta(lib.tensor([-1.0]), 1.0),
                           r"parameter concentration"),
    "dirichlet_concentration": (lambda lib: lib.distributions.Dirichlet(
        lib.tensor([1.0, -1.0])), r"parameter concentration .*Dirichlet"),
    "dirichlet_value": (lambda lib: lib.distributions.Dirichlet(lib.ones(2)).log_prob(
        lib.tensor([0.3, 0.3])), "support"),
    "beta_value": (lambda lib: lib.distributions.Beta(1.0, 1.0).log_prob(lib.tensor(1.5)),
                   "support"),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_arguments_raise_as_in_pytorch(name):
    make, pattern = BAD[name]
    with pytest.raises(ValueError, match=pattern):
        make(torch)
    with pytest.raises(ValueError, match=pattern):
        make(wl)


def test_validate_args_false_skips_the_checks():
    d = wl.distributions.Normal(wl.tensor([0.0]), wl.tensor([-1.0]), validate_args=False)
    assert d.scale.item() == -1.0
    low = wl.distributions.Uniform(0.0, 1.0, validate_args=False).log_prob(wl.tensor(2.0))
    assert low.item() == float("-inf")


def test_default_validation_can_be_turned_off_and_on():
    wl.distributions.Distribution.set_default_validate_args(False)
    try:
        wl.distributions.Bernoulli(probs=wl.tensor([1.5]))
    finally:
        wl.distributions.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError, match="probs"):
        wl.distributions.Bernoulli(probs=wl.tensor([1.5]))


def test_expand_keeps_the_validation_setting():
    d = wl.distributions.Normal(0.0, 1.0, validate_args=False).expand((3,))
    assert d.log_prob(wl.zeros(2, 1)).shape == (2, 3)
    strict = wl.distributions.Normal(0.0, 1.0).expand((3,))
    with pytest.raises(ValueError, match="broadcastable"):
        strict.log_prob(wl.zeros(2))


def test_beta_names_its_own_parameter():
    with pytest.raises(ValueError, match=r"parameter concentration1 .*Beta"):
        wl.distributions.Beta(wl.tensor([-1.0]), 1.0)
