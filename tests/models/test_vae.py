"""VAE and ConvVAE against PyTorch twins with the same weights and noise (outputs, negative ELBO,
every gradient), the negative ELBO against NumPy and torch.distributions, the IWAE estimate's
bound and k = 1 mean, a short training run, and the errors for wrong shapes."""
import numpy as np
import pytest
import torch
from torch import nn

import wonderland as wl
from wonderland import models
from wonderland.models.vae import importance_weighted_log_px, negative_elbo

TOL = {"float64": dict(rtol=1e-9, atol=1e-10), "float32": dict(rtol=1e-5, atol=1e-5)}


class TorchVAE(nn.Module):
    def __init__(self, in_features=784, hidden=400, latent=20):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc21 = nn.Linear(hidden, latent)
        self.fc22 = nn.Linear(hidden, latent)
        self.fc3 = nn.Linear(latent, hidden)
        self.fc4 = nn.Linear(hidden, in_features)

    def encode(self, x):
        h = torch.relu(self.fc1(x.flatten(1)))
        return self.fc21(h), self.fc22(h)

    def decode(self, z):
        return self.fc4(torch.relu(self.fc3(z)))


class TorchConvVAE(nn.Module):
    def __init__(self, channels=1, size=28, latent=20):
        super().__init__()
        self.grid = size // 4
        features = 64 * self.grid ** 2
        self.conv1 = nn.Conv2d(channels, 32, 4, stride=2, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 4, stride=2, padding=1)
        self.fc_mu = nn.Linear(features, latent)
        self.fc_logvar = nn.Linear(features, latent)
        self.fc_dec = nn.Linear(latent, features)
        self.deconv1 = nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1)
        self.deconv2 = nn.ConvTranspose2d(32, channels, 4, stride=2, padding=1)

    def encode(self, x):
        h = torch.relu(self.conv2(torch.relu(self.conv1(x)))).flatten(1)
        return self.fc_mu(h), self.fc_logvar(h)

    def decode(self, z):
        h = torch.relu(self.fc_dec(z)).view(-1, 64, self.grid, self.grid)
        return self.deconv2(torch.relu(self.deconv1(h)))


def torch_forward(twin, x, eps):
    mu, logvar = twin.encode(x)
    return twin.decode(mu + torch.exp(0.5 * logvar) * eps), mu, logvar


def torch_negative_elbo(logits, x, mu, logvar):
    bce = nn.functional.binary_cross_entropy_with_logits(logits.flatten(1), x.flatten(1),
                                                         reduction="none").sum(1)
    return bce - 0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum(1)


# name: (wonderland class, twin class, kwargs, input shape)
CASES = {
    "vae": ("VAE", TorchVAE, {}, (6, 1, 28, 28)),
    "vae_small_flat": ("VAE", TorchVAE, dict(in_features=64, hidden=32, latent=5), (6, 64)),
    "convvae": ("ConvVAE", TorchConvVAE, {}, (4, 1, 28, 28)),
    "convvae_rgb16": ("ConvVAE", TorchConvVAE, dict(channels=3, size=16, latent=7),
                      (4, 3, 16, 16)),
}


def prototypes_data(n=256, size=28, protos=4, flip=0.05, seed=0):
    """n binary images: one of a few random binary prototypes each, with a fraction of bits
    flipped."""
    rng = np.random.default_rng(seed)
    base = rng.random((protos, 1, size, size)) < 0.5
    x = base[rng.integers(0, protos, n)] ^ (rng.random((n, 1, size, size)) < flip)
    return x.astype(np.float32)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name, dtype):
    cls, twin_cls, kwargs, shape = CASES[name]
    rng = np.random.default_rng(0)
    model = getattr(models, cls)(**kwargs).to(dtype=getattr(wl, dtype))
    twin = twin_cls(**kwargs).to(getattr(torch, dtype))
    state = model.state_dict()
    assert list(state) == list(twin.state_dict()), "parameter names differ from the twin's"
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in state.items()})
    x = (rng.random(shape) < 0.4).astype(dtype)
    eps = rng.standard_normal((shape[0], model.latent)).astype(dtype)

    out = model(wl.tensor(x), eps=wl.tensor(eps))
    ref = torch_forward(twin, torch.from_numpy(x), torch.from_numpy(eps))
    for a, b, what in zip(out, ref, ("logits", "mu", "logvar")):
        assert a.dtype == getattr(wl, dtype)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), err_msg=what,
                                   **TOL[dtype])
    loss = negative_elbo(*out[:1], wl.tensor(x), *out[1:])
    ref_loss = torch_negative_elbo(ref[0], torch.from_numpy(x), *ref[1:])
    np.testing.assert_allclose(loss.detach().numpy(), ref_loss.detach().numpy(), **TOL[dtype])
    loss.mean().backward()
    ref_loss.mean().backward()
    ref_params = dict(twin.named_parameters())
    for pname, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), ref_params[pname].grad.numpy(),
                                   err_msg=pname, **TOL[dtype])


def test_vae_has_the_examples_parameter_count():
    # PyTorch examples/vae: 784*400+400 + 2*(400*20+20) + 20*400+400 + 400*784+784
    assert models.VAE().num_parameters() == 652_824
    assert sum(p.numel() for p in TorchConvVAE().parameters()) \
        == models.ConvVAE().num_parameters()


def test_noise_comes_from_the_generator():
    model, x = models.VAE(), wl.tensor(prototypes_data(4))
    a = model(x, generator=wl.Generator(3))[0].detach().numpy()
    b = model(x, generator=wl.Generator(3))[0].detach().numpy()
    c = model(x, generator=wl.Generator(4))[0].detach().numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    mu, logvar = model.encode(x)  # the generator's draw is the eps that forward uses
    eps = wl.randn(mu.shape, generator=wl.Generator(3))
    np.testing.assert_allclose(model(x, eps=eps)[0].detach().numpy(), a, rtol=1e-6, atol=1e-6)


def test_negative_elbo_by_hand():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((5, 3, 4, 4)) * 3
    x = (rng.random((5, 3, 4, 4)) < 0.5).astype(np.float64)
    mu, logvar = rng.standard_normal((5, 6)), rng.standard_normal((5, 6))
    p = 1 / (1 + np.exp(-logits))
    log_px = (x * np.log(p) + (1 - x) * np.log(1 - p)).reshape(5, -1).sum(1)
    var = np.exp(logvar)
    kl = 0.5 * (var + mu ** 2 - 1 - logvar).sum(1)
    got = negative_elbo(*map(wl.tensor, (logits, x, mu, logvar))).numpy()
    np.testing.assert_allclose(got, kl - log_px, rtol=1e-12)
    # the KL part alone (logits far on the right side of every pixel make -log p(x|z) ~ 0)
    sure = np.where(x > 0, 40.0, -40.0)
    kl_only = negative_elbo(*map(wl.tensor, (sure, x, mu, logvar))).numpy()
    q = torch.distributions.Normal(torch.from_numpy(mu), torch.from_numpy(np.exp(0.5 * logvar)))
    prior = torch.distributions.Normal(torch.zeros(5, 6, dtype=torch.float64), 1.0)
    ref = torch.distributions.kl_divergence(q, prior).sum(1).numpy()
    np.testing.assert_allclose(kl_only, ref, rtol=1e-12, atol=1e-12)


@pytest.fixture(scope="module")
def trained():
    """A VAE after 100 full-batch Adam steps on 128 noisy copies of 4 binary prototypes, with its
    negative ELBO at every step."""
    wl.manual_seed(0)
    x = wl.tensor(prototypes_data(128))
    model = models.VAE(hidden=100, latent=8)
    opt = wl.optim.Adam(model.parameters(), lr=3e-3)
    gen = wl.Generator(0)
    losses = []
    for _ in range(100):
        logits, mu, logvar = model(x, generator=gen)
        loss = negative_elbo(logits, x, mu, logvar).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return model, x, losses


def test_training_lowers_the_negative_elbo(trained):
    _, _, losses = trained
    # Untrained: about 784 ln 2 = 543 nats (measured 548). The data's own entropy is about
    # 784 H(0.05) + ln 4 = 157 nats; measured after 100 steps: 153.7 (mean of the last 10).
    assert losses[0] > 500
    assert np.mean(losses[-10:]) < 185, losses[::10]


@pytest.mark.parametrize("name", ["vae_small_flat", "convvae_rgb16"])
def test_iwae_matches_torch_distributions(name):
    """The estimate against log-densities from torch.distributions, with the same weights and the
    same draws (regenerated from the seed), and unchanged when the draws are decoded in chunks."""
    cls, twin_cls, kwargs, shape = CASES[name]
    model = getattr(models, cls)(**kwargs).to(dtype=wl.float64)
    twin = twin_cls(**kwargs).double()
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                          for k, v in model.state_dict().items()})
    x = (np.random.default_rng(5).random(shape) < 0.4).astype(np.float64)
    n, k = shape[0], 7
    with wl.no_grad():
        got = importance_weighted_log_px(model, wl.tensor(x), k=k, generator=wl.Generator(6))
        chunked = importance_weighted_log_px(model, wl.tensor(x), k=k, generator=wl.Generator(6),
                                             max_batch=2 * n)
    eps = torch.from_numpy(wl.randn(k, n, model.latent, generator=wl.Generator(6),
                                    dtype=wl.float64).numpy())
    xt = torch.from_numpy(x)
    with torch.no_grad():
        mu, logvar = twin.encode(xt)
        q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
        z = mu + q.scale * eps
        logits = twin.decode(z.reshape(k * n, -1)).reshape(k, n, -1)
        log_px_z = torch.distributions.Bernoulli(logits=logits).log_prob(
            xt.reshape(1, n, -1).expand(k, n, -1)).sum(2)
        log_pz = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(2)
        ref = torch.logsumexp(log_px_z + log_pz - q.log_prob(z).sum(2), 0) - np.log(k)
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(chunked.numpy(), got.numpy(), rtol=1e-12, atol=1e-10)


def elbo_draws(model, x, draws, seed):
    """-negative ELBO of each example for `draws` independent z (one row per draw)."""
    gen, rows = wl.Generator(seed), []
    with wl.no_grad():
        for _ in range(draws):
            logits, mu, logvar = model(x, generator=gen)
            rows.append(-negative_elbo(logits, x, mu, logvar).numpy())
    return np.stack(rows)


def test_iwae_bound_is_tighter_than_the_elbo(trained):
    model, x, _ = trained
    x = x[:16]
    with wl.no_grad():
        bounds = [importance_weighted_log_px(model, x, k=k, generator=wl.Generator(1)).numpy()
                  for k in (1, 10, 100)]
    elbo = elbo_draws(model, x, 200, seed=2).mean(0)
    print("ELBO", elbo.mean(), "IWAE k=1, 10, 100", [b.mean() for b in bounds])
    assert bounds[-1].shape == (16,)
    assert bounds[2].mean() > bounds[1].mean() > elbo.mean()


def test_iwae_with_one_sample_is_the_elbo_in_expectation(trained):
    model, x, _ = trained
    x, draws = x[:16], 200
    with wl.no_grad():  # every image repeated `draws` times: one k = 1 estimate per copy
        xs = x.unsqueeze(0).expand(draws, *x.shape).reshape(draws * 16, *x.shape[1:])
        iwae = importance_weighted_log_px(model, xs, k=1, generator=wl.Generator(3)).numpy()
    iwae = iwae.reshape(draws, 16)
    elbo = elbo_draws(model, x, draws, seed=4)
    diff = iwae.mean() - elbo.mean()
    se = np.sqrt(iwae.mean(1).var() / draws + elbo.mean(1).var() / draws)
    print("k=1", iwae.mean(), "ELBO", elbo.mean(), "diff", diff, "standard error", se)
    # measured: diff -0.056 nats, standard error 0.070 (ELBO about -163 nats)
    assert se < 0.2 and abs(diff) < 4 * se


def test_wrong_input_shapes_name_the_shapes():
    with pytest.raises(ValueError, match=r"VAE: expected \(N, 784\).*\(3, 1, 20, 20\)"):
        models.VAE()(wl.randn(3, 1, 20, 20))
    with pytest.raises(ValueError, match=r"expected inputs of shape \(N, 1, 28, 28\).*"
                                         r"\(3, 1, 32, 32\)"):
        models.ConvVAE()(wl.randn(3, 1, 32, 32))
    with pytest.raises(ValueError, match=r"expected inputs.*\(N, 3, 16, 16\).*\(3, 16, 16\)"):
        models.ConvVAE(channels=3, size=16).encode(wl.randn(3, 16, 16))
    with pytest.raises(ValueError, match=r"multiple of 4 .*got 30"):
        models.ConvVAE(size=30)
    with pytest.raises(ValueError, match=r"eps of shape \(3, 5\) must match mu's shape \(3, 20\)"):
        models.VAE()(wl.randn(3, 784), eps=wl.randn(3, 5))
    with pytest.raises(ValueError, match=r"logits of shape \(3, 784\) .* shape \(3, 1, 14, 14\)"):
        negative_elbo(wl.randn(3, 784), wl.rand(3, 1, 14, 14), wl.randn(3, 2), wl.randn(3, 2))
    with pytest.raises(ValueError, match="k must be at least 1, got 0"):
        importance_weighted_log_px(models.VAE(), wl.rand(3, 784), k=0)
