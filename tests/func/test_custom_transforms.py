"""Custom derivatives under every transform: all second-order combinations, a rule that is
deliberately not f's derivative (so a transform that bypassed it would be caught) under grad,
jacrev, jacfwd, vmap and their compositions, and Hessians through vmap against torch."""
import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland import func as wf
from wonderland.autodiff.custom import Function, custom_jvp, custom_vjp

from .custom_rules import MAKERS, counter, sigmoid_np, softplus_ops, xpair


# --- higher order -------------------------------------------------------------------------------
def test_grad_of_grad_through_custom_vjp_with_a_derived_residual():
    def fwd(x):
        return softplus_ops(x), wl.sigmoid(x)  # the residual is computed, not an input

    sp = custom_vjp(softplus_ops).defvjp(fwd, lambda s, g: (g * s,))
    x, tx = xpair([-2.0, 0.0, 0.7, 3.0])
    (g,) = wl.autograd.grad(sp(x).sum(), x, create_graph=True)
    (h,) = wl.autograd.grad((g * g).sum(), x)
    (tg,) = torch.autograd.grad(torch.nn.functional.softplus(tx).sum(), tx, create_graph=True)
    (th,) = torch.autograd.grad((tg * tg).sum(), tx)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-12)


class Exp(Function):
    """Saves its output, as torch's exp does: double backward must see it on the tape."""

    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y

    @staticmethod
    def jvp(ctx, t):
        (y,) = ctx.saved_tensors
        return t * y


class TorchExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


def test_function_saving_its_output_double_backward_matches_torch():
    x, tx = xpair([-1.0, 0.3, 2.0])
    (g,) = wl.autograd.grad((Exp.apply(x) ** 2).sum(), x, create_graph=True)
    (h,) = wl.autograd.grad(g.sum(), x)
    (tg,) = torch.autograd.grad((TorchExp.apply(tx) ** 2).sum(), tx, create_graph=True)
    (th,) = torch.autograd.grad(tg.sum(), tx)
    np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-12)


@pytest.mark.parametrize("kind", ["custom_jvp", "Function"])
def test_all_second_order_combinations_agree(kind):
    sp = MAKERS[kind](counter())
    x0 = wl.tensor([-2.0, 0.5, 1.0, 3.0], dtype=wl.float64, requires_grad=True)
    v = wl.tensor([1.0, 2.0, 3.0, 4.0], dtype=wl.float64)
    s = sigmoid_np(x0.detach().numpy())
    want = s * (1 - s) * v.numpy()
    grad_f = lambda x: wl.autograd.grad(sp(x).sum(), x, create_graph=True)[0]  # noqa: E731
    _, fwd_rev = wl.autograd.jvp(grad_f, (x0,), (v,))
    (rev_fwd,) = wl.autograd.grad(wl.autograd.jvp(sp, (x0,), (v,))[1].sum(), x0)
    (rev_rev,) = wl.autograd.grad((grad_f(x0) * v).sum(), x0)
    _, fwd_fwd = wl.autograd.jvp(lambda x: wl.autograd.jvp(sp, (x,), (v,))[1],
                                 (x0.detach(),), (v,))
    for got, expect in ((fwd_rev, want), (rev_fwd, want), (rev_rev, want),
                        (fwd_fwd, want * v.numpy())):
        np.testing.assert_allclose(got.detach().numpy(), expect, rtol=1e-12)


# --- composition with every transform: a marked rule (derivative 3, not f's 2x) -----------------
def marked():
    sq = lambda x: x * x  # noqa: E731
    jv = custom_jvp(sq).defjvp(lambda p, t: (p[0] * p[0], 3 * t[0]))
    vj = custom_vjp(sq).defvjp(lambda x: (x * x, None), lambda r, g: (3 * g,))

    class Sq(Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return 3 * g

        @staticmethod
        def jvp(ctx, t):
            return 3 * t

    return {"custom_jvp": jv, "custom_vjp": vj, "Function": Sq.apply}


TRANSFORMS = {
    "grad": lambda f, x: wf.grad(lambda x: f(x).sum())(x),
    "jacrev": lambda f, x: wf.jacrev(f)(x).sum(0),
    "jacfwd": lambda f, x: wf.jacfwd(f)(x).sum(0),
    "vmap_grad": lambda f, x: wf.vmap(wf.grad(lambda x: f(x).sum()))(x),
    "vmap_jvp": lambda f, x: wf.vmap(lambda x: wf.jvp(f, (x,), (wl.ones_like(x),))[1])(x),
    "jvp_vmap": lambda f, x: wf.jvp(wf.vmap(f), (x,), (wl.ones_like(x),))[1],
    "vmap_vmap_grad": lambda f, x: wf.vmap(wf.vmap(wf.grad(f)))(x.reshape(2, 2)).reshape(4),
    "jacfwd_vmap": lambda f, x: wf.jacfwd(wf.vmap(f))(x).sum(0),
    "grad_vmap": lambda f, x: wf.grad(lambda x: wf.vmap(f)(x).sum())(x),
    "jacrev_vmap": lambda f, x: wf.jacrev(wf.vmap(f))(x).sum(0),
}
FORWARD = {"jacfwd", "vmap_jvp", "jvp_vmap", "jacfwd_vmap"}
AROUND_VMAP = {"grad_vmap", "jacrev_vmap"}  # reverse mode outside vmap


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("kind", ["custom_jvp", "custom_vjp", "Function"])
def test_every_transform_uses_the_rule(kind, transform):
    f = marked()[kind]
    x = wl.tensor([-1.0, 0.5, 2.0, 4.0], dtype=wl.float64)
    if kind == "custom_vjp" and transform in FORWARD:
        with pytest.raises(TypeError, match="custom_vjp"):
            TRANSFORMS[transform](f, x)
        return
    if kind == "Function" and transform in AROUND_VMAP:
        with pytest.raises(NotImplementedError, match=r"Sq: reverse mode around vmap"):
            TRANSFORMS[transform](f, x)
        return
    np.testing.assert_array_equal(np.asarray(TRANSFORMS[transform](f, x)), [3.0] * 4)


@pytest.mark.parametrize("kind", ["custom_jvp", "custom_vjp"])
def test_hessian_through_vmap_matches_torch(kind):
    sp = MAKERS[kind](counter())
    x, tx = xpair([[-2.0, 0.5], [1.0, 3.0]])
    loss = lambda x: wf.vmap(sp)(x).sum()  # noqa: E731
    hessian = wf.hessian if kind == "custom_jvp" else lambda f: wf.jacrev(wf.jacrev(f))
    h = hessian(loss)(x.detach())  # (forward over reverse needs a jvp rule)
    th = torch.func.hessian(lambda x: torch.nn.functional.softplus(x).sum())(tx.detach())
    np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-12, atol=1e-15)


def test_custom_jvp_on_matrices_matches_torch():
    def rule(primals, tangents):
        (a, x), (ta, tx_) = primals, tangents
        return a @ x, ta @ x + a @ tx_

    mv = custom_jvp(lambda a, x: a @ x).defjvp(rule)
    rng = np.random.default_rng(1)
    an, xn, gn = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3)
    a, ta = (wl.tensor(an, requires_grad=True), torch.tensor(an, requires_grad=True))
    x, tx = xpair(list(xn))
    (mv(a, x) * wl.tensor(gn)).sum().backward()
    ((ta @ tx) * torch.tensor(gn)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    _, t = wl.autograd.jvp(mv, (a.detach(), x.detach()), (wl.tensor(gn[:, None] * an), x.detach()))
    _, tt = torch.func.jvp(lambda a, x: a @ x, (ta.detach(), tx.detach()),
                           (torch.tensor(gn[:, None] * an), tx.detach()))
    np.testing.assert_allclose(t.numpy(), tt.numpy(), rtol=1e-12)
