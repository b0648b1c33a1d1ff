"""Custom derivatives: custom_vjp, custom_jvp and Function. Their rules are used (spied on) and
the default path is not; a stable softplus (finite gradient at x = 1000), clipped gradients and
nondiff arguments. Oracles: closed forms and torch.autograd.Function."""
import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.autodiff.custom import Function, custom_jvp, custom_vjp
from wonderland.core import REGISTRY
from wonderland.core.primitive import _observers

from .custom_rules import (
    MAKERS,
    POINTS,
    SOFTPLUS_OPS,
    counter,
    make_softplus_vjp,
    sigmoid_np,
    xpair,
)


@pytest.fixture
def spy_rules(monkeypatch):
    """The names of the primitives whose vjp or jvp rule runs while the fixture is active."""
    seen = {"vjp": [], "jvp": []}

    def spy(orig, kind, name):
        def spied(self, *a):
            seen[kind].append(name)
            return orig(self, *a)

        return spied

    for name, cls in REGISTRY.items():
        for kind in ("vjp", "jvp"):
            monkeypatch.setattr(cls, kind, spy(getattr(cls, kind), kind, name))
    return seen


def observed(fn):
    """(fn(), the names of the primitives bound while it ran)."""
    names = []
    hook = lambda prim, xs: names.append(prim.name)  # noqa: E731
    _observers.append(hook)
    try:
        return fn(), names
    finally:
        _observers.remove(hook)


# --- stable softplus ----------------------------------------------------------------------------
def test_naive_softplus_gradient_is_nan_at_1000():
    x = wl.tensor([1000.0], dtype=wl.float64, requires_grad=True)
    with np.errstate(over="ignore", invalid="ignore"):
        wl.log(1 + wl.exp(x)).sum().backward()
    assert np.isnan(x.grad.numpy()).all()


@pytest.mark.parametrize("kind", MAKERS)
def test_stable_softplus_values_and_gradient_match_torch(kind):
    calls = counter()
    sp = MAKERS[kind](calls)
    x, tx = xpair()
    y = sp(x)
    y.sum().backward()
    ty = torch.nn.functional.softplus(tx)
    ty.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(x.grad.numpy(), sigmoid_np(POINTS), rtol=1e-12)


@pytest.mark.parametrize("kind", ["custom_jvp", "Function"])
def test_stable_softplus_forward_mode(kind, spy_rules):
    calls = counter()
    sp = MAKERS[kind](calls)
    x = wl.tensor(POINTS, dtype=wl.float64)
    t = wl.tensor(np.linspace(-2, 2, len(POINTS)), dtype=wl.float64)
    y, ty = wl.autograd.jvp(sp, (x,), (t,))
    np.testing.assert_allclose(ty.numpy(), t.numpy() * sigmoid_np(POINTS), rtol=1e-12)
    assert calls["rule"] + calls["jvp"] == 1
    assert not SOFTPLUS_OPS & set(spy_rules["jvp"])  # f's own ops were not differentiated


# --- the rule runs, the default path does not ---------------------------------------------------
@pytest.mark.parametrize("kind", MAKERS)
def test_rule_is_called_and_forward_ops_are_not_differentiated(kind, spy_rules):
    calls = counter()
    sp = MAKERS[kind](calls)
    x = wl.tensor([-1.0, 2.0], dtype=wl.float64, requires_grad=True)
    y = sp(x)
    assert y._node.inputs == (x,)  # one tape entry, reading x only: f's ops are not on the tape
    before = dict(calls)
    _, bound = observed(lambda: y.sum().backward())
    assert calls["bwd"] + calls["rule"] + calls["backward"] == 1
    assert calls["fwd"] == before["fwd"] and calls["forward"] == before["forward"]
    assert not SOFTPLUS_OPS & set(spy_rules["vjp"])
    if kind != "custom_jvp":  # (transposing a jvp rule evaluates the rule, its primal too)
        assert not SOFTPLUS_OPS & set(bound)  # backward did not run softplus's ops again
    assert "Sigmoid" in bound  # ... but the rule's


def test_custom_vjp_runs_fwd_once_and_plain_function_without_grad():
    calls = counter()
    sp = make_softplus_vjp(calls)
    sp(wl.tensor([1.0, 2.0], requires_grad=True))
    assert calls == {**counter(), "fwd": 1}
    sp(wl.tensor([1.0, 2.0]))  # nothing requires grad: f itself runs, not fwd
    with wl.no_grad():
        sp(wl.tensor([1.0, 2.0], requires_grad=True))
    assert calls["fwd"] == 1


# --- clipped gradients --------------------------------------------------------------------------
class TorchClip(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        return g.clamp(-1, 1)


class Clip(Function):
    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, g):
        return g.clip(-1, 1)


clip_vjp = custom_vjp(lambda x: x).defvjp(lambda x: (x, None), lambda res, g: (g.clip(-1, 1),))


@pytest.mark.parametrize("clip", [Clip.apply, clip_vjp], ids=["Function", "custom_vjp"])
def test_clipped_gradient_identity_matches_torch(clip):
    w = [-3.0, -0.5, 0.2, 4.0]
    x, tx = xpair([1.0, 2.0, 3.0, 4.0])
    y = clip(x)
    assert y is not x and np.array_equal(y.detach().numpy(), x.detach().numpy())
    (wl.tensor(w, dtype=wl.float64) * y).sum().backward()
    (torch.tensor(w, dtype=torch.float64) * TorchClip.apply(tx)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_array_equal(x.grad.numpy(), np.clip(w, -1, 1))
    assert x.is_leaf and y.grad_fn is not None  # the output is new; x was left as it was


# --- nondiff arguments --------------------------------------------------------------------------
def test_custom_vjp_nondiff_argnums():
    def power(n, x):
        return x**n

    p = custom_vjp(power, nondiff_argnums=(0,))
    p.defvjp(lambda n, x: (x**n, x), lambda n, x, g: (g * n * x ** (n - 1),))
    x, tx = xpair([0.5, 1.5, -2.0])
    p(3, x).sum().backward()
    (tx**3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-13)


def test_custom_vjp_nondiff_tensor_gets_no_gradient():
    scale = custom_vjp(lambda x, s: x * s, nondiff_argnums=(-1,))
    scale.defvjp(lambda x, s: (x * s, None), lambda s, res, g: (g * s,))
    x = wl.tensor([1.0, 2.0], requires_grad=True)
    s = wl.tensor([3.0, -4.0], requires_grad=True)
    y = scale(x, s)
    assert y._node.inputs == (x,)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, -4.0])
    assert s.grad is None


def test_custom_jvp_nondiff_argnums_both_modes():
    def rule(n, primals, tangents):
        (x,), (t,) = primals, tangents
        return x**n, t * n * x ** (n - 1)

    p = custom_jvp(lambda n, x: x**n, nondiff_argnums=(0,)).defjvp(rule)
    x, tx = xpair([0.5, 1.5, -2.0])
    _, t = wl.autograd.jvp(lambda x: p(4, x), (x.detach(),), (wl.ones(3, dtype=wl.float64),))
    np.testing.assert_allclose(t.numpy(), 4 * x.detach().numpy() ** 3, rtol=1e-13)
    p(4, x).sum().backward()
    (tx**4).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-13)
