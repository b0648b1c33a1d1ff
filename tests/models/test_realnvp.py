"""RealNVP: every log-determinant against slogdet of the autodiff Jacobian, exact inverses, a
PyTorch twin holding the same weights (log-likelihoods and every parameter gradient), learning two
moons, sampling, and input errors."""
import math

import numpy as np
import pytest
import torch
from sklearn.datasets import make_moons
from torch import nn

import wonderland as wl
from wonderland.models import AffineCoupling, RealNVP
from wonderland.models.flows import BatchNormBijector

TOL = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=1e-5, atol=1e-5)}


class TorchCoupling(nn.Module):
    """The twin of AffineCoupling, written independently in PyTorch."""

    def __init__(self, dim, mask, hidden=64, layers=2):
        super().__init__()
        widths = [dim] + [hidden] * layers
        blocks = []
        for a, b in zip(widths[:-1], widths[1:]):
            blocks += [nn.Linear(a, b), nn.ReLU()]
        self.net = nn.Sequential(*blocks, nn.Linear(hidden, 2 * dim))
        self.scale = nn.Parameter(torch.ones(dim))
        self.register_buffer("mask", torch.tensor(mask, dtype=torch.float32))

    def forward(self, x):
        kept = x * self.mask
        raw, t = self.net(kept).chunk(2, 1)
        s = (1 - self.mask) * self.scale * torch.tanh(raw)
        return kept + (1 - self.mask) * (x * torch.exp(s) + t), s.sum(1)


class TorchBatchNorm(nn.Module):
    def __init__(self, dim, momentum=0.1, eps=1e-5):
        super().__init__()
        self.momentum, self.eps = momentum, eps
        self.log_gamma = nn.Parameter(torch.zeros(dim))
        self.beta = nn.Parameter(torch.zeros(dim))
        self.register_buffer("running_mean", torch.zeros(dim))
        self.register_buffer("running_var", torch.ones(dim))

    def forward(self, x):
        if self.training:
            mean, var = x.mean(0), x.var(0, unbiased=False)
            with torch.no_grad():
                self.running_mean.lerp_(mean, self.momentum)
                self.running_var.lerp_(var, self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        log_scale = self.log_gamma - 0.5 * torch.log(var + self.eps)
        return (x - mean) * torch.exp(log_scale) + self.beta, log_scale.sum().expand(len(x))


class TorchRealNVP(nn.Module):
    def __init__(self, dim=2, couplings=8, hidden=64, layers=2, batch_norm=False):
        super().__init__()
        blocks = []
        for i in range(couplings):
            blocks.append(TorchCoupling(dim, [float((j + i) % 2) for j in range(dim)], hidden,
                                        layers))
            if batch_norm and i < couplings - 1:
                blocks.append(TorchBatchNorm(dim))
        self.layers = nn.ModuleList(blocks)

    def forward(self, x):
        log_det = 0
        for layer in self.layers:
            x, ld = layer(x)
            log_det = log_det + ld
        return -0.5 * (x**2).sum(1) - 0.5 * x.shape[1] * math.log(2 * math.pi) + log_det


def randomise(model, rng, std=0.6):
    """Random weights and running statistics (the defaults start every coupling at the identity,
    which would make the checks trivial)."""
    with wl.no_grad():
        for p in model.parameters():
            p.copy_(wl.tensor(std * rng.standard_normal(p.shape), dtype=p.dtype))
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(wl.tensor(rng.standard_normal(b.shape), dtype=b.dtype))
            elif name.endswith("running_var"):
                b.copy_(wl.tensor(rng.uniform(0.5, 2.0, b.shape), dtype=b.dtype))
    return model


def jacobian_log_det(f, x):
    """log|det J| of f: R^d -> R^d at each row of x, from wonderland's reverse-mode Jacobian."""
    g = wl.func.jacrev(lambda v: f(v.unsqueeze(0))[0].squeeze(0))
    out = []
    for row in x:
        sign, logabs = wl.linalg.slogdet(g(row))
        assert sign.item() != 0
        out.append(logabs.item())
    return np.array(out)


@pytest.mark.parametrize("mask", [[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
def test_coupling_log_det_is_exact(mask):
    rng = np.random.default_rng(0)
    layer = randomise(AffineCoupling(3, mask, hidden=8).to(dtype=wl.float64), rng)
    x = wl.tensor(rng.standard_normal((4, 3)))
    y, log_det = layer(x)
    np.testing.assert_allclose(log_det.detach().numpy(), jacobian_log_det(layer, x), rtol=1e-12,
                               atol=1e-12)
    _, inv_log_det = layer.inverse(y)
    np.testing.assert_allclose(inv_log_det.detach().numpy(), jacobian_log_det(layer.inverse, y),
                               rtol=1e-12, atol=1e-12)
    assert np.abs(log_det.detach().numpy()).min() > 1e-3  # the check is not about zeros


@pytest.mark.parametrize("batch_norm", [False, True])
def test_flow_log_det_is_exact(batch_norm):
    rng = np.random.default_rng(1)
    model = RealNVP(dim=4, couplings=4, hidden=8, batch_norm=batch_norm).to(dtype=wl.float64)
    randomise(model, rng).eval()  # evaluation: the batch-norm layers are per-example maps
    x = wl.tensor(rng.standard_normal((3, 4)))
    z, log_det = model.transform(x)
    np.testing.assert_allclose(log_det.detach().numpy(), jacobian_log_det(model.transform, x),
                               rtol=1e-11, atol=1e-11)
    _, inv_log_det = model.inverse(z)
    np.testing.assert_allclose(inv_log_det.detach().numpy(), jacobian_log_det(model.inverse, z),
                               rtol=1e-11, atol=1e-11)
    base = -0.5 * (z.detach().numpy() ** 2).sum(1) - 2 * math.log(2 * math.pi)
    np.testing.assert_allclose(model.log_prob(x).detach().numpy(),
                               base + log_det.detach().numpy(), rtol=1e-13)


@pytest.mark.parametrize("batch_norm", [False, True])
def test_inverse_round_trips(batch_norm):
    rng = np.random.default_rng(2)
    model = RealNVP(dim=5, couplings=6, hidden=16, batch_norm=batch_norm).to(dtype=wl.float64)
    randomise(model, rng, std=0.4).eval()  # well conditioned: errors stay near rounding
    x = wl.tensor(rng.standard_normal((64, 5)))
    z, ld = model.transform(x)
    back, ld_back = model.inverse(z)
    np.testing.assert_allclose(back.detach().numpy(), x.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose((ld + ld_back).detach().numpy(), 0, atol=1e-10)
    again, _ = model.transform(model.inverse(x)[0])
    np.testing.assert_allclose(again.detach().numpy(), x.detach().numpy(), rtol=0, atol=1e-10)
    # the flow is far from the identity
    assert np.abs(z.detach().numpy() - x.detach().numpy()).max() > 0.1


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_matches_torch(dtype, batch_norm):
    rng = np.random.default_rng(3)
    model = RealNVP(dim=3, couplings=4, hidden=16, batch_norm=batch_norm)
    randomise(model.to(dtype=getattr(wl, dtype)), rng)
    twin = TorchRealNVP(dim=3, couplings=4, hidden=16, batch_norm=batch_norm)
    twin.to(getattr(torch, dtype))
    state = model.state_dict()
    assert list(state) == list(twin.state_dict()), "parameter names differ from the twin's"
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in state.items()})
    x = rng.standard_normal((32, 3)).astype(dtype)
    # training mode: batch statistics in the batch-norm layers, and running averages updated
    out, ref = model(wl.tensor(x)), twin(torch.from_numpy(x))
    assert out.dtype == getattr(wl, dtype) and out.shape == (32,)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **TOL[dtype])
    (-out.mean()).backward()
    (-ref.mean()).backward()
    grads = dict(twin.named_parameters())
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads[name].grad.numpy(), **TOL[dtype],
                                   err_msg=name)
    for (name, b), ref_b in zip(model.named_buffers(), twin.buffers()):
        np.testing.assert_allclose(b.numpy(), ref_b.numpy(), **TOL[dtype], err_msg=name)
    model.eval(), twin.eval()
    np.testing.assert_allclose(model(wl.tensor(x)).detach().numpy(),
                               twin(torch.from_numpy(x)).detach().numpy(), **TOL[dtype])


@pytest.fixture(scope="module")
def moons():
    """Two moons standardised with the training split's statistics; a RealNVP trained on them
    with minibatch Adam (300 steps: test NLL 1.50-1.63 nats over seeds 0-3, about 5 s)."""
    data, _ = make_moons(n_samples=4000, noise=0.06, random_state=0)
    data = (data - data[:3000].mean(0)) / data[:3000].std(0)
    train, test = wl.tensor(data[:3000], dtype=wl.float32), wl.tensor(data[3000:],
                                                                       dtype=wl.float32)
    wl.manual_seed(0)
    model = RealNVP(dim=2, couplings=8, hidden=32)
    with wl.no_grad():
        before = -model(test).mean().item()
    opt = wl.optim.Adam(model.parameters(), lr=5e-3)
    rng = np.random.default_rng(0)
    for _ in range(300):
        loss = -model(train[rng.integers(0, 3000, 256)]).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with wl.no_grad():
        after = -model(test).mean().item()
    return model, data, before, after


def test_learns_two_moons(moons):
    _, _, before, after = moons
    # the identity flow's NLL is the standard normal's on standardised data: 1 + log(2 pi)
    assert abs(before - (1 + math.log(2 * math.pi))) < 0.05
    assert after < 1.9, after


def test_samples_look_like_the_data(moons):
    model, data, _, _ = moons
    with wl.no_grad():
        x = model.sample(4000, generator=wl.Generator(1))
        assert x.shape == (4000, 2) and x.dtype == wl.float32
        lp = model.log_prob(x).numpy()
    assert np.isfinite(lp).all()
    s = x.numpy()
    np.testing.assert_allclose(s.mean(0), data.mean(0), atol=0.15)
    np.testing.assert_allclose(s.std(0), data.std(0), atol=0.15)
    # the moons are bimodal in x1 and x2 jointly: their correlation is matched too
    np.testing.assert_allclose(np.corrcoef(s.T)[0, 1], np.corrcoef(data.T)[0, 1], atol=0.15)
    again = model.sample(5, generator=wl.Generator(1)).detach().numpy()
    np.testing.assert_allclose(again, s[:5], rtol=1e-5, atol=1e-6)  # the same latents


def test_errors():
    model = RealNVP(dim=3, couplings=2, hidden=4, batch_norm=True)
    for bad in (wl.zeros(4, 2), wl.zeros(3), wl.zeros(2, 3, 1)):
        with pytest.raises(ValueError, match=r"RealNVP: expected input of shape \(N, 3\)"):
            model.log_prob(bad)
        with pytest.raises(ValueError, match=r"RealNVP: expected input of shape \(N, 3\)"):
            model.inverse(bad)
    with pytest.raises(ValueError, match=r"AffineCoupling: expected input of shape \(N, 3\)"):
        model.layers[0].inverse(wl.zeros(4, 2))
    with pytest.raises(ValueError, match=r"BatchNormBijector: expected input of shape"):
        BatchNormBijector(3)(wl.zeros(4, 2))
    with pytest.raises(ValueError, match=r"mask must have shape \(3,\), got \(2,\)"):
        AffineCoupling(3, [1, 0])
    with pytest.raises(ValueError, match="mask entries must be 0 or 1"):
        AffineCoupling(3, [1, 0, 0.5])
    with pytest.raises(ValueError, match="mask must hold both 0s and 1s"):
        AffineCoupling(3, [1, 1, 1])
    with pytest.raises(ValueError, match="layers must be at least 1"):
        AffineCoupling(3, [1, 0, 1], layers=0)
    with pytest.raises(ValueError, match="dim must be at least 2"):
        RealNVP(dim=1)
    with pytest.raises(ValueError, match="couplings must be at least 1"):
        RealNVP(couplings=0)


def test_the_moons_recipe_learns_through_the_trainer(tmp_path):
    from wonderland.recipes import get
    from wonderland.train.run import train_recipe

    recipe = get("moons_realnvp")
    cfg = recipe.configure()
    assert (cfg["couplings"], cfg["hidden"], cfg["batch_norm"], cfg["points"], cfg["noise"],
            cfg["batch_size"], cfg["steps"]) == (8, 64, True, 4000, 0.06, 256, 16_000)
    results = train_recipe(recipe, {"steps": 300, "eval_every": 300, "checkpoint_every": 300,
                                    "log_every": 100}, tmp_path / "run", progress=False)
    # the standard normal base scores standardised moons at about 2.84 nats
    assert results["test"]["loss"] < 2.2 and recipe.published["test_loss"] == 1.3375
