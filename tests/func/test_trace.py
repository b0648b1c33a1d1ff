"""Trace estimators and the divergence: Hutchinson is unbiased with the variance theory gives
(Rademacher 2(|A|_F^2 - sum A_ii^2), Gaussian 2|A|_F^2 for symmetric A), Hutch++ is exact on
matrices of rank below its sketch and beats Hutchinson where the spectrum decays; the divergence
matches the trace of PyTorch's Jacobian, batched or not, and is differentiable with
create_graph."""
import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.func import divergence, hutchinson, hutchpp


def symmetric(d, decay, seed=0):
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.normal(size=(d, d)))
    lam = np.arange(1, d + 1, dtype=np.float64) ** -decay
    return (u * lam) @ u.T


def estimates(estimator, a, m, trials, probe="rademacher"):
    mat = wl.tensor(a)
    like = wl.zeros(a.shape[0], dtype=wl.float64)
    gen = wl.Generator(0)
    return np.array([float(estimator(lambda v: mat @ v, like, m, probe, gen).item())
                     for _ in range(trials)])


@pytest.mark.parametrize("probe", ["rademacher", "gaussian"])
def test_hutchinson_is_unbiased_with_the_theoretical_variance(probe):
    a = symmetric(20, 0.5) + 0.3
    est = estimates(hutchinson, a, 1, 4000, probe)
    fro2, diag2 = (a ** 2).sum(), (np.diag(a) ** 2).sum()
    var = 2 * (fro2 - diag2) if probe == "rademacher" else 2 * fro2
    assert abs(est.mean() - np.trace(a)) < 4 * np.sqrt(var / len(est))
    assert abs(est.var() / var - 1) < 0.15


def test_rademacher_probes_are_exact_on_a_diagonal_matrix():
    a = np.diag(np.arange(1.0, 6.0))
    np.testing.assert_allclose(estimates(hutchinson, a, 1, 5), 15.0)


def test_hutchpp_is_exact_below_its_sketch_rank_and_beats_hutchinson_on_decay():
    rng = np.random.default_rng(1)
    b = rng.normal(size=(50, 3))
    low_rank = b @ b.T  # rank 3: a sketch of 4 columns captures all of it
    np.testing.assert_allclose(estimates(hutchpp, low_rank, 12, 3), np.trace(low_rank),
                               rtol=1e-10)
    a = symmetric(200, 2.0)
    err = {e.__name__: np.median(np.abs(estimates(e, a, 30, 40) - np.trace(a))) / np.trace(a)
           for e in (hutchinson, hutchpp)}
    assert err["hutchpp"] < err["hutchinson"] / 5, err


def field(w):
    def f(x):
        return (x @ w).tanh() * x
    return f


def test_divergence_matches_the_trace_of_torchs_jacobian():
    rng = np.random.default_rng(2)
    w, x, xs = rng.normal(size=(5, 5)), rng.normal(size=5), rng.normal(size=(4, 5))
    tf = field(torch.tensor(w))
    want = np.trace(torch.autograd.functional.jacobian(tf, torch.tensor(x)).numpy())
    wants = [np.trace(torch.autograd.functional.jacobian(tf, torch.tensor(r)).numpy())
             for r in xs]
    f = field(wl.tensor(w))
    v, div = divergence(f, wl.tensor(x))
    np.testing.assert_allclose(v.detach().numpy(), tf(torch.tensor(x)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(float(div.item()), want, rtol=1e-12)
    _, divs = divergence(f, wl.tensor(xs), batched=True)
    np.testing.assert_allclose(divs.numpy(), wants, rtol=1e-12)
    _, pp = divergence(f, wl.tensor(x), "hutch++", num_matvecs=15)  # 5 sketch columns: all of it
    np.testing.assert_allclose(float(pp.item()), want, rtol=1e-10)
    gen = wl.Generator(3)
    _, est = divergence(f, wl.tensor(xs), "hutchinson", 4000, "gaussian", True, gen)
    np.testing.assert_allclose(est.numpy(), wants, atol=0.15)


def test_divergence_is_differentiable_with_create_graph():
    rng = np.random.default_rng(4)
    w0, x = rng.normal(size=(3, 3)), rng.normal(size=(2, 3))
    w = wl.tensor(w0).requires_grad_(True)
    probes = wl.tensor(rng.choice([-1.0, 1.0], size=(2, 2, 3)))
    _, div = divergence(field(w), wl.tensor(x), "hutchinson", batched=True, probes=probes,
                        create_graph=True)
    (g,) = wl.autograd.grad(div.sum(), w)
    tw = torch.tensor(w0, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    out = field(tw)(tx)
    total = 0
    for z in torch.tensor(probes.numpy()):
        (jz,) = torch.autograd.grad(out, tx, z, create_graph=True)
        total = total + (jz * z).sum() / 2
    (tg,) = torch.autograd.grad(total, tw)
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-10)


def test_errors():
    f, x = field(wl.eye(2)), wl.ones(2)
    with pytest.raises(ValueError, match="estimator must be one of"):
        divergence(f, x, "jacobi")
    with pytest.raises(ValueError, match="hutch\\+\\+ sketches one matrix"):
        divergence(f, wl.ones(3, 2), "hutch++", batched=True)
    with pytest.raises(ValueError, match="num_matvecs must be an integer of at least 3"):
        hutchpp(lambda v: v, x, 2)
    with pytest.raises(ValueError, match="probe must be one of"):
        hutchinson(lambda v: v, x, 4, "uniform")
    with pytest.raises(ValueError, match="field of its own shape"):
        divergence(lambda y: y.sum(), x)
    with pytest.raises(ValueError, match="probes must be"):
        divergence(f, wl.ones(3, 2), "hutchinson", batched=True, probes=wl.ones(1, 2))
