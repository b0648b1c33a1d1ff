"""Score-based diffusion: the VP SDE's marginals; the denoising score matching loss and its
gradients against a PyTorch twin with the same weights, times and noise; every sampler and the
ODE log-likelihood (exact and Hutchinson) with the exact score of Gaussian data plugged in as the
network; a short training on moons; errors."""
import math

import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.data.datasets import Moons
from wonderland.models.diffusion import (
    VPSDE,
    ScoreDiffusion,
    ScoreMLP,
    annealed_langevin,
    log_likelihood,
    probability_flow,
    reverse_sde,
)
from wonderland.nn import Module
from wonderland.optim import Adam

MU, S = np.array([1.0, -2.0]), 0.5  # the data: N(MU, S^2 I) in 2-D


def vp_mean_std(t, beta_min=0.1, beta_max=20.0):
    log_mean = -0.25 * t**2 * (beta_max - beta_min) - 0.5 * t * beta_min
    return np.exp(log_mean), np.sqrt(1 - np.exp(2 * log_mean))


class GaussianNoise(Module):
    """The exact noise prediction std(t) (x - m(t) MU) / var(t) for data N(MU, S^2 I), whose
    marginal at t is N(m(t) MU, (m(t)^2 S^2 + std(t)^2) I)."""

    def __init__(self, sde):
        super().__init__()
        self.sde = sde

    def forward(self, x, t):
        m, sd = (c.reshape(-1, 1) for c in self.sde.marginal_mean_std(t))
        return sd * (x - m * wl.tensor(MU, dtype=x.dtype)) / (m * m * S * S + sd * sd)


def gaussian_model(eps=1e-3):
    sde = VPSDE()
    return ScoreDiffusion(GaussianNoise(sde), sde, eps=eps)


def marginal_var(t):
    m, sd = vp_mean_std(t)
    return m * m * S * S + sd * sd


def test_vp_sde_marginals_drift_and_diffusion():
    sde, t = VPSDE(0.1, 20.0), np.array([1e-5, 0.1, 0.5, 1.0])
    mean, std = sde.marginal_mean_std(wl.tensor(t, dtype=wl.float64))
    want_mean, want_std = vp_mean_std(t)
    np.testing.assert_allclose(mean.numpy(), want_mean, rtol=1e-12)
    np.testing.assert_allclose(std.numpy(), want_std, rtol=1e-9)
    x = wl.tensor(np.ones((4, 2)), dtype=wl.float64)
    beta = 0.1 + t * 19.9
    np.testing.assert_allclose(sde.drift(x, wl.tensor(t, dtype=wl.float64)).numpy(),
                               -0.5 * beta[:, None] * np.ones((4, 2)))
    np.testing.assert_allclose(sde.diffusion(wl.tensor(t, dtype=wl.float64)).numpy(),
                               np.sqrt(beta))
    # mean' = -beta mean / 2: the drift's ODE, by a central difference
    h = 1e-6
    up, down = vp_mean_std(0.3 + h)[0], vp_mean_std(0.3 - h)[0]
    assert (up - down) / (2 * h) == pytest.approx(-0.5 * (0.1 + 0.3 * 19.9) * vp_mean_std(0.3)[0])
    z = wl.tensor(np.array([[0.3, -1.2], [0.0, 0.0]]))
    np.testing.assert_allclose(sde.prior_log_prob(z).numpy(),
                               [-0.5 * (0.09 + 1.44) - math.log(2 * math.pi),
                                -math.log(2 * math.pi)], rtol=1e-6)
    assert sde.prior_sample((5, 2), wl.Generator(0)).shape == (5, 2)


class TorchScoreMLP(torch.nn.Module):
    def __init__(self, dim, hidden, layers, time_dim):
        super().__init__()
        widths = [dim + time_dim] + [hidden] * layers
        self.time_dim = time_dim
        self.hidden = torch.nn.ModuleList(torch.nn.Linear(a, b)
                                          for a, b in zip(widths[:-1], widths[1:]))
        self.out = torch.nn.Linear(hidden, dim)

    def forward(self, x, t):
        half = self.time_dim // 2
        freqs = torch.exp(-math.log(10_000.0) * torch.arange(half, dtype=torch.float64) / half)
        args = (t * 1000.0)[:, None] * freqs.to(t.dtype)[None]
        h = torch.cat([x, torch.sin(args), torch.cos(args)], 1)
        for layer in self.hidden:
            h = torch.nn.functional.silu(layer(h))
        return self.out(h)


def test_dsm_loss_and_gradients_match_a_torch_twin():
    wl.manual_seed(0)
    net = ScoreMLP(2, 16, 2, 8)
    model = ScoreDiffusion(net, VPSDE(0.1, 20.0), eps=1e-5)
    twin = TorchScoreMLP(2, 16, 2, 8)
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                          for k, v in net.state_dict().items()})
    rng = np.random.default_rng(0)
    x, z = rng.normal(size=(6, 2)).astype(np.float32), rng.normal(size=(6, 2)).astype(np.float32)
    t = rng.uniform(1e-5, 1, size=6).astype(np.float32)
    loss = model(wl.tensor(x), t=wl.tensor(t), noise=wl.tensor(z))
    loss.mean().backward()

    tt = torch.from_numpy(t)
    log_mean = -0.25 * tt**2 * 19.9 - 0.5 * tt * 0.1
    mean, std = log_mean.exp()[:, None], (1 - (2 * log_mean).exp()).sqrt()[:, None]
    xt = mean * torch.from_numpy(x) + std * torch.from_numpy(z)
    want = ((twin(xt, tt) - torch.from_numpy(z)) ** 2).sum(1)
    want.mean().backward()
    np.testing.assert_allclose(loss.detach().numpy(), want.detach().numpy(), rtol=1e-5)
    for name, p in net.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), dict(twin.named_parameters())[name].grad,
                                   rtol=1e-4, atol=1e-6, err_msg=name)
    # the same loss read as |std score + z|^2
    score = model.score(wl.tensor(xt.detach().numpy()), wl.tensor(t)).detach().numpy()
    np.testing.assert_allclose(((std.numpy() * score + z) ** 2).sum(1),
                               want.detach().numpy(), rtol=1e-4)


def test_loss_draws_its_own_times_and_noise_reproducibly():
    model = gaussian_model()
    x = wl.tensor(np.zeros((50, 2), np.float32))
    a, b = model(x, generator=wl.Generator(3)), model(x, generator=wl.Generator(3))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.shape == (50,)
    # with the exact noise prediction the loss is that of the Bayes-optimal denoiser: finite, < 2
    assert 0 < float(a.mean().item()) < 2


@pytest.mark.parametrize("sampler,kw,tol_mean,tol_var", [
    (reverse_sde, {}, 0.05, 0.05),
    (probability_flow, {}, 0.05, 0.05),
    (annealed_langevin, {"corrector_steps": 3, "snr": 0.25}, 0.1, 0.05),
])
def test_samplers_with_the_exact_score_match_the_data(sampler, kw, tol_mean, tol_var):
    with wl.no_grad():
        x, path = sampler(gaussian_model(), (2000, 2), 100, generator=wl.Generator(0),
                          trajectory=True, **kw)
    x = x.numpy()
    np.testing.assert_allclose(x.mean(0), MU, atol=tol_mean)
    np.testing.assert_allclose(x.var(0), [S * S] * 2, atol=tol_var)
    assert len(path) == 101 and path[0].shape == (2000, 2)
    assert np.abs(path[0].numpy().var(0) - 1).max() < 0.1  # the prior's draw first
    np.testing.assert_array_equal(path[-1].numpy(), x)


def flow_map(x1, t_from=1.0, t_to=1e-3):
    """The probability-flow ODE's exact map for Gaussian data: affine per dimension."""
    (m1, _), (m0, _) = vp_mean_std(t_from), vp_mean_std(t_to)
    return m0 * MU + np.sqrt(marginal_var(t_to) / marginal_var(t_from)) * (x1 - m1 * MU)


@pytest.mark.parametrize("method,steps,tol", [("rk4", 100, 1e-4), ("dopri5", 10, 1e-4)])
def test_probability_flow_follows_the_exact_map(method, steps, tol):
    x1 = np.random.default_rng(1).normal(size=(20, 2))
    with wl.no_grad():
        x = probability_flow(gaussian_model(), wl.tensor(x1, dtype=wl.float64), steps,
                             method=method)
    np.testing.assert_allclose(x.numpy(), flow_map(x1), atol=tol)


def model_log_density(x, eps=1e-3):
    """log p(x) of the ODE model: the prior at x_1 = the flow map's inverse, and its volume."""
    x1 = flow_map(x, eps, 1.0)
    ratio = marginal_var(1.0) / marginal_var(eps)
    return -0.5 * (x1**2).sum(1) - math.log(2 * math.pi) + math.log(ratio)


def test_log_likelihood_exact_and_hutchinson():
    model = gaussian_model()
    x = np.array([[1.0, -2.0], [0.5, -1.0], [1.7, -2.2]])
    want = model_log_density(x)
    # the model is the data's density up to the prior's mismatch at t = 1 (tiny)
    data = -0.5 * ((x - MU) ** 2).sum(1) / S**2 - math.log(2 * math.pi * S * S)
    np.testing.assert_allclose(want, data, atol=0.05)
    for method in ("dopri5", "rk4"):
        got = log_likelihood(model, wl.tensor(x, dtype=wl.float64), method=method, steps=100)
        np.testing.assert_allclose(got.numpy(), want, atol=1e-3, err_msg=method)
    # Rademacher probes are exact for this diagonal Jacobian; Gaussian ones scatter around it
    reps = wl.tensor(np.repeat(x, 300, 0), dtype=wl.float64)
    rad = log_likelihood(model, reps, exact=False, generator=wl.Generator(0)).numpy()
    np.testing.assert_allclose(rad, np.repeat(want, 300), atol=1e-3)
    gauss = log_likelihood(model, reps, exact=False, probe="gaussian", hutchinson_samples=2,
                           generator=wl.Generator(0)).numpy().reshape(3, 300)
    se = gauss.std(1) / math.sqrt(300)
    assert (se > 1e-3).all() and (np.abs(gauss.mean(1) - want) < 4 * se).all()


def test_exact_divergence_of_a_trained_style_net_matches_hutchinson_in_mean():
    wl.manual_seed(1)
    model = ScoreDiffusion(ScoreMLP(2, 16, 2, 8), eps=1e-3)
    x = wl.tensor(np.random.default_rng(2).normal(size=(2, 2)).astype(np.float64))
    model.double()
    exact = log_likelihood(model, x, method="rk4", steps=20).numpy()
    reps = wl.tensor(np.repeat(x.numpy(), 400, 0))
    hut = log_likelihood(model, reps, exact=False, probe="gaussian", method="rk4", steps=20,
                         generator=wl.Generator(0)).numpy().reshape(2, 400)
    se = hut.std(1) / math.sqrt(400)
    assert (np.abs(hut.mean(1) - exact) < 4 * se + 1e-9).all()


def test_short_training_on_moons_lowers_the_loss():
    wl.manual_seed(0)
    data = Moons(512, noise=0.06, seed=0).data
    x = wl.tensor(((data - data.mean(0)) / data.std(0)).astype(np.float32))
    model = ScoreDiffusion(ScoreMLP(2, 32, 2, 16), eps=1e-3)
    opt = Adam(model.parameters(), lr=3e-3)

    def fixed_draw():  # the same times and noise each time
        with wl.no_grad():
            return float(model(x, generator=wl.Generator(123)).mean().item())

    before, g, rng = fixed_draw(), wl.Generator(0), np.random.default_rng(0)
    for _ in range(60):
        idx = rng.permutation(512)[:128]
        opt.zero_grad()
        model(x[wl.tensor(idx)], generator=g).mean().backward()
        opt.step()
    after = fixed_draw()
    assert after < 0.75 * before, (before, after)


def test_errors():
    with pytest.raises(ValueError, match="need 0 <= beta_min <= beta_max"):
        VPSDE(5.0, 1.0)
    with pytest.raises(ValueError, match="eps must lie in"):
        ScoreDiffusion(ScoreMLP(), eps=0.0)
    with pytest.raises(ValueError, match="steps must be positive"):
        reverse_sde(gaussian_model(), (4, 2), 0)
    with pytest.raises(ValueError, match=r"probe must be one of \('rademacher', 'gaussian'\)"):
        log_likelihood(gaussian_model(), wl.zeros(2, 2), exact=False, probe="uniform")
