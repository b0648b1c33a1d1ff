"""wl.multinomial, wl.bernoulli, wl.normal and wl.poisson: seeded sample statistics, the
generator argument, PyTorch's errors and (for normal) PyTorch's zero gradients."""
import numpy as np
import pytest
import torch

import wonderland as wl

N = 20000


def test_multinomial_with_replacement_draws_by_weight():
    w = np.array([[0.0, 1.0, 2.0, 5.0], [3.0, 0.0, 1.0, 0.0]])
    draws = wl.multinomial(wl.tensor(w), N, replacement=True, generator=wl.Generator(1)).numpy()
    assert draws.shape == (2, N) and draws.dtype == np.int64
    for row, weights in zip(draws, w, strict=True):
        freq = np.bincount(row, minlength=4) / N
        np.testing.assert_allclose(freq, weights / weights.sum(), atol=0.015)
        assert freq[weights == 0].sum() == 0


def test_multinomial_without_replacement_draws_distinct_classes_by_weight():
    w = np.array([0.5, 0.0, 0.2, 0.3])
    g = wl.Generator(2)
    draws = np.stack([wl.multinomial(wl.tensor(w), 3, generator=g).numpy() for _ in range(3000)])
    assert all(len(set(d)) == 3 and 1 not in d for d in draws)
    np.testing.assert_allclose(np.bincount(draws[:, 0], minlength=4) / 3000, w, atol=0.03)


def test_multinomial_without_replacement_takes_zero_weights_last_as_pytorch():
    for _ in range(20):
        assert wl.multinomial(wl.tensor([0.0, 0.5, 0.0, 0.2]), 3).tolist()[:2] in ([1, 3], [3, 1])


def test_multinomial_is_repeatable_from_a_seed():
    w = wl.tensor([0.1, 0.2, 0.7])
    assert wl.multinomial(w, 5, True, generator=wl.Generator(7)).tolist() == \
        wl.multinomial(w, 5, True, generator=wl.Generator(7)).tolist()
    wl.manual_seed(3)
    first = w.multinomial(4, replacement=True).tolist()
    wl.manual_seed(3)
    assert w.multinomial(4, replacement=True).tolist() == first


@pytest.mark.parametrize("weights, n, replacement, message", [
    ([0.5, -0.1], 1, True, "element < 0"),
    ([0.5, float("nan")], 1, True, "`inf`, `nan`"),
    ([0.0, 0.0], 1, True, "sum of probabilities"),
    ([0.5, 0.5], 3, False, "n_sample > prob_dist.size"),
])
def test_multinomial_refuses_what_pytorch_refuses(weights, n, replacement, message):
    with pytest.raises(RuntimeError, match=message):
        torch.multinomial(torch.tensor(weights), n, replacement)
    with pytest.raises(RuntimeError, match=message):
        wl.multinomial(wl.tensor(weights), n, replacement)


def test_bernoulli_draws_ones_with_the_given_probability():
    p = np.array([0.1, 0.5, 0.9])
    draws = wl.bernoulli(wl.tensor(np.tile(p, (N, 1))), generator=wl.Generator(4))
    assert draws.dtype == wl.float64
    np.testing.assert_allclose(draws.numpy().mean(0), p, atol=0.015)
    assert set(np.unique(draws.numpy())) <= {0.0, 1.0}
    fixed = wl.bernoulli(wl.zeros(N), 0.25, generator=wl.Generator(4)).numpy()
    assert abs(fixed.mean() - 0.25) < 0.015
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        wl.bernoulli(wl.tensor([1.5]))


def test_normal_draws_with_the_given_moments_and_zero_slopes_as_pytorch():
    mean = wl.tensor([-1.0, 2.0], dtype=wl.float64, requires_grad=True)
    std = wl.tensor([0.5, 3.0], dtype=wl.float64, requires_grad=True)
    draws = wl.normal(mean.expand(N, 2), std, generator=wl.Generator(5))
    np.testing.assert_allclose(draws.detach().numpy().mean(0), [-1.0, 2.0], atol=0.05)
    np.testing.assert_allclose(draws.detach().numpy().std(0), [0.5, 3.0], rtol=0.03)
    draws.sum().backward()
    tm = torch.tensor([-1.0, 2.0], dtype=torch.float64, requires_grad=True)
    torch.normal(tm, 1.0).sum().backward()
    np.testing.assert_array_equal(mean.grad.numpy(), tm.grad.numpy())
    assert wl.normal(3.0, 2.0, (N,), generator=wl.Generator(6)).numpy().mean() == \
        pytest.approx(3.0, abs=0.05)
    with pytest.raises(RuntimeError, match="std >= 0"):
        wl.normal(wl.zeros(2), wl.tensor([1.0, -1.0]))


def test_poisson_counts_have_the_rate_as_mean_and_variance():
    rates = np.array([0.5, 4.0, 20.0])
    draws = wl.poisson(wl.tensor(np.tile(rates, (N, 1))), generator=wl.Generator(8)).numpy()
    assert draws.dtype == np.float64 and (draws == np.round(draws)).all()
    np.testing.assert_allclose(draws.mean(0), rates, rtol=0.03)
    np.testing.assert_allclose(draws.var(0), rates, rtol=0.06)
    with pytest.raises(RuntimeError, match="rates >= 0"):
        wl.poisson(wl.tensor([-1.0]))
