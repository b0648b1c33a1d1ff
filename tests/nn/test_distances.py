"""Distances between distributions and samples: Gaussian KL against torch.distributions,
Wasserstein-1 against scipy.stats.wasserstein_distance, sliced Wasserstein against a NumPy
re-computation with the same directions, MMD against the direct NumPy formulas; gradients."""
import numpy as np
import pytest
import torch
from scipy.stats import wasserstein_distance
from torch.distributions import Independent, Normal, kl_divergence

import wonderland as wl
import wonderland.nn.functional as F
from wonderland import func
from wonderland.autodiff import gradcheck


def rng():
    return np.random.default_rng(0)


# --- KL between Gaussians ---------------------------------------------------------------------
@pytest.mark.parametrize("dim", [None, -1])
def test_kl_normal_against_torch(dim):
    r = rng()
    arrays = [r.normal(size=(4, 3)), r.uniform(0.3, 2, (4, 3)), r.normal(size=(3,)),
              r.uniform(0.3, 2, (4, 3))]
    ws = [wl.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = F.kl_normal(*ws, dim=dim)
    p, q = Normal(ts[0], ts[1]), Normal(ts[2], ts[3])
    expected = kl_divergence(p, q) if dim is None else kl_divergence(Independent(p, 1),
                                                                     Independent(q, 1))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    expected.sum().backward()
    for w, t in zip(ws, ts):
        np.testing.assert_allclose(w.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_gaussian_kl_standard_against_torch():
    r = rng()
    mu, logvar = r.normal(size=(5, 4)), r.normal(size=(5, 4))
    m, lv = wl.tensor(mu, requires_grad=True), wl.tensor(logvar, requires_grad=True)
    tm, tlv = torch.tensor(mu, requires_grad=True), torch.tensor(logvar, requires_grad=True)
    out = F.gaussian_kl_standard(m, lv, dim=1)
    std_normal = Normal(torch.zeros(4, dtype=torch.float64), torch.ones(4, dtype=torch.float64))
    expected = kl_divergence(Independent(Normal(tm, (0.5 * tlv).exp()), 1),
                             Independent(std_normal, 1))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(m.grad.numpy(), tm.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(lv.grad.numpy(), tlv.grad.numpy(), rtol=1e-10)
    assert F.gaussian_kl_standard(m, lv).shape == (5, 4)


# --- Wasserstein-1 ----------------------------------------------------------------------------
@pytest.mark.parametrize("n,m,weighted", [(7, 7, False), (7, 4, False), (6, 6, True),
                                          (5, 9, True), (1, 3, False)])
def test_wasserstein_1d_against_scipy(n, m, weighted):
    r = rng()
    u, v = r.normal(size=n), r.normal(size=m) + 0.5
    uw, vw = (r.uniform(0.1, 2, n), r.uniform(0.1, 2, m)) if weighted else (None, None)
    out = F.wasserstein_1d(wl.tensor(u), wl.tensor(v), *(None if w is None else wl.tensor(w)
                                                         for w in (uw, vw)))
    np.testing.assert_allclose(out.item(), wasserstein_distance(u, v, uw, vw), rtol=1e-12)


def test_wasserstein_1d_ties_and_one_weighted_side():
    u, v = np.array([0.0, 1.0, 1.0, 3.0, 3.0]), np.array([1.0, 1.0, 2.0])
    uw = np.array([1.0, 2.0, 0.0, 1.0, 3.0])
    for args in [(None, None), (uw, None)]:
        out = F.wasserstein_1d(wl.tensor(u), wl.tensor(v),
                               *(None if w is None else wl.tensor(w) for w in args))
        np.testing.assert_allclose(out.item(), wasserstein_distance(u, v, *args), rtol=1e-12)


def test_wasserstein_1d_gradients():
    r = rng()
    u = wl.tensor(r.normal(size=6), requires_grad=True)
    v = wl.tensor(r.normal(size=4), requires_grad=True)
    uw = wl.tensor(r.uniform(0.5, 2, 6), requires_grad=True)
    vw = wl.tensor(r.uniform(0.5, 2, 4), requires_grad=True)
    gradcheck(F.wasserstein_1d, (u, v, uw, vw), order=1)
    w = wl.tensor(r.normal(size=6), requires_grad=True)
    gradcheck(F.wasserstein_1d, (u, w), order=1)
    # equal sizes: d/du_i of mean |sorted u - sorted w| is sign(u_(i) - w_(i)) / n
    F.wasserstein_1d(u, w).backward()
    su, sw = np.sort(u.detach().numpy()), np.sort(w.detach().numpy())
    order = np.argsort(u.detach().numpy())
    np.testing.assert_allclose(u.grad.numpy()[order], np.sign(su - sw) / 6)


def test_wasserstein_1d_errors():
    with pytest.raises(ValueError, match=r"wasserstein_1d: expected u_values of shape \(n,\)"):
        F.wasserstein_1d(wl.randn(3, 2), wl.randn(3))
    with pytest.raises(ValueError, match=r"expected v_weights of shape \(3,\).*got \(2,\)"):
        F.wasserstein_1d(wl.randn(3), wl.randn(3), v_weights=wl.ones(2))
    with pytest.raises(ValueError, match="non-negative with a positive sum"):
        F.wasserstein_1d(wl.randn(3), wl.randn(3), u_weights=wl.tensor([1.0, -1.0, 1.0]))



@pytest.mark.parametrize("weighted", [False, True])
def test_wasserstein_1d_under_vmap_matches_a_loop(weighted):
    u, v = wl.randn(4, 5, dtype=wl.float64), wl.randn(4, 7 if weighted else 5, dtype=wl.float64)
    uw = wl.rand(4, 5, dtype=wl.float64) + 0.1 if weighted else None

    def w1(a, b, wa=None):
        return F.wasserstein_1d(a, b, u_weights=wa)

    args, axes = ((u, v, uw), (0, 0, 0)) if weighted else ((u, v), (0, 0))
    got = func.vmap(w1, in_axes=axes)(*args)
    want = [float(w1(*(a[k] for a in args))) for k in range(4)]
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


# --- sliced Wasserstein -----------------------------------------------------------------------
def numpy_sliced(x, y, seed, num_projections):
    dirs = np.random.Generator(np.random.PCG64(seed)).standard_normal((x.shape[1],
                                                                      num_projections))
    dirs /= np.linalg.norm(dirs, axis=0, keepdims=True)
    return np.mean([wasserstein_distance(x @ d, y @ d) for d in dirs.T])


@pytest.mark.parametrize("n,m", [(20, 20), (20, 13)])
def test_sliced_wasserstein_matches_numpy(n, m):
    r = rng()
    x, y = r.normal(size=(n, 3)), r.normal(size=(m, 3)) * 1.5 + 0.3
    out = F.sliced_wasserstein(wl.tensor(x), wl.tensor(y), 16, generator=wl.Generator(7))
    np.testing.assert_allclose(out.item(), numpy_sliced(x, y, 7, 16), rtol=1e-12)


def test_sliced_wasserstein_zero_for_identical_and_grows_with_shift():
    x = wl.tensor(rng().normal(size=(50, 4)))
    g = wl.Generator(1)
    assert F.sliced_wasserstein(x, x, 32, generator=g).item() < 1e-12
    shifts = [0.5, 1.0, 2.0, 4.0]
    values = [F.sliced_wasserstein(x, x + s, 32, generator=g.manual_seed(1)).item()
              for s in shifts]
    assert all(a < b for a, b in zip(values, values[1:]))
    xg = wl.tensor(rng().normal(size=(50, 4)), requires_grad=True)
    F.sliced_wasserstein(xg, x + 1.0, 32, generator=g).backward()
    assert np.isfinite(xg.grad.numpy()).all() and np.abs(xg.grad.numpy()).sum() > 0


# --- MMD --------------------------------------------------------------------------------------
def numpy_mmd(x, y, sigmas, unbiased):
    def k(a, b):
        d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
        return sum(np.exp(-d2 / (2 * s * s)) for s in sigmas)

    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    n, m = len(x), len(y)
    if unbiased:
        return ((kxx.sum() - np.trace(kxx)) / (n * (n - 1))
                + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.mean())
    return kxx.mean() + kyy.mean() - 2 * kxy.mean()


@pytest.mark.parametrize("sigma", [1.0, [0.5, 1.0, 4.0]])
@pytest.mark.parametrize("unbiased", [False, True])
def test_mmd_against_numpy(sigma, unbiased):
    r = rng()
    x, y = r.normal(size=(8, 3)), r.normal(size=(11, 3)) + 0.4
    out = F.mmd(wl.tensor(x), wl.tensor(y), sigma, unbiased=unbiased)
    sigmas = sigma if isinstance(sigma, list) else [sigma]
    np.testing.assert_allclose(out.item(), numpy_mmd(x, y, sigmas, unbiased), rtol=1e-10)


def test_mmd_identical_samples_and_gradients():
    r = rng()
    x = wl.tensor(r.normal(size=(6, 2)), requires_grad=True)
    assert abs(F.mmd(x, x, [0.5, 2.0]).item()) < 1e-12
    y = wl.tensor(r.normal(size=(5, 2)), requires_grad=True)
    gradcheck(lambda x, y: F.mmd(x, y, [0.7, 1.5], unbiased=True), (x, y))
    gradcheck(lambda x, y: F.mmd(x, y, 1.0), (x, y), order=1)


def test_mmd_errors():
    with pytest.raises(ValueError, match=r"mmd: expected samples x \(n, D\) and y \(m, D\)"):
        F.mmd(wl.randn(4, 3), wl.randn(4, 2))
    with pytest.raises(ValueError, match="mmd: bandwidths must be positive"):
        F.mmd(wl.randn(4, 3), wl.randn(4, 3), [1.0, 0.0])
    with pytest.raises(ValueError, match="unbiased estimate needs at least 2"):
        F.mmd(wl.randn(1, 3), wl.randn(4, 3), unbiased=True)
