"""Forward mode: jvp against torch.func.jvp, dual levels as in torch.autograd.forward_ad, tangent
checks, perturbation confusion, nested jvp, and forward-over-reverse / reverse-over-forward."""
import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as tfwd

import wonderland as wl
from wonderland.autodiff import forward_ad as fwd

RNG = np.random.default_rng(0)
X = RNG.standard_normal(4).tolist()
Y = (RNG.random(4) + 0.5).tolist()
V = RNG.standard_normal(4).tolist()
W = RNG.standard_normal(4).tolist()
M = RNG.standard_normal((4, 3)).tolist()


def both(values):
    return wl.tensor(values, dtype=wl.float64), torch.tensor(values, dtype=torch.float64)


def close(x, ref, rtol=1e-10):
    np.testing.assert_allclose(x.detach().numpy(), ref.detach().numpy(), rtol=rtol, atol=1e-12)


# The same function written once, run on either library: `lib` is wl or torch.
FUNCTIONS = {
    "sin_times_x": (lambda lib, x, y: (lib.sin(x) * x).sum(), 1),
    "exp_matmul": (lambda lib, x, y: lib.tanh(lib.exp(x * 0.3) @ y), 1),
    "two_inputs": (lambda lib, x, y: x / y + y ** 2 - lib.cos(x * y), 2),
    "tuple_out": (lambda lib, x, y: (lib.sigmoid(x) * y, (x * y).mean()), 2),
    "pow_and_log": (lambda lib, x, y: lib.log(y) * x ** 3 + lib.sqrt(y), 2),
}


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_jvp_matches_torch_func(name):
    fn, n_in = FUNCTIONS[name]
    (x, tx), (v, tv) = both(X), both(V)
    (y, ty), (w, tw) = (both(M) if name == "exp_matmul" else both(Y)), both(W)
    if n_in == 1:
        args, targs = ((x,), (v,)), ((tx,), (tv,))
        f, tf = (lambda a: fn(wl, a, y)), (lambda a: fn(torch, a, ty))
    else:
        args, targs = ((x, y), (v, w)), ((tx, ty), (tv, tw))
        f, tf = (lambda a, b: fn(wl, a, b)), (lambda a, b: fn(torch, a, b))
    out, tan = wl.autograd.jvp(f, *args)
    tout, ttan = torch.func.jvp(tf, *targs)
    outs, tans = (out, tan) if isinstance(out, tuple) else ((out,), (tan,))
    touts, ttans = (tout, ttan) if isinstance(tout, tuple) else ((tout,), (ttan,))
    assert len(outs) == len(touts)
    for a, b in zip(outs + tans, touts + ttans):
        close(a, b)


def test_dual_api_matches_torch_forward_ad():
    (x, tx), (v, tv), (y, ty) = both(X), both(V), both(Y)
    with fwd.dual_level(), tfwd.dual_level():
        d, td = fwd.make_dual(x, v), tfwd.make_dual(tx, tv)
        out, tout = (d.sin() * y).exp(), (td.sin() * ty).exp()
        p, t = fwd.unpack_dual(out)
        tp, tt = tfwd.unpack_dual(tout)
        assert fwd.unpack_dual(out).tangent is t and fwd.unpack_dual(out).primal.shape == (4,)
        close(p, tp)
        close(t, tt)
        p0, t0 = fwd.unpack_dual(y * 2)  # no tangent, as torch reports
        assert t0 is None and tfwd.unpack_dual(ty * 2).tangent is None
        np.testing.assert_allclose(p0.numpy(), 2 * np.asarray(Y))
        assert "dual" in repr(d)
    assert wl.autograd.make_dual is fwd.make_dual


def test_tangents_of_a_closed_level_are_ignored():
    x, v = both(X)[0], both(V)[0]
    with fwd.dual_level():
        d = fwd.make_dual(x, v)
    out = d * 2  # the level is closed: plain math
    with fwd.dual_level():
        assert fwd.unpack_dual(out).tangent is None
    np.testing.assert_allclose(out.numpy(), 2 * np.asarray(X))


def test_dual_levels_must_close_in_order():
    outer, inner = fwd.dual_level(), fwd.dual_level()
    outer.__enter__()
    inner.__enter__()
    try:
        with pytest.raises(RuntimeError, match="out of order"):
            outer.__exit__(None, None, None)
    finally:
        inner.__exit__(None, None, None)
        outer.__exit__(None, None, None)


def test_tangent_errors():
    x = wl.tensor(X, dtype=wl.float64)
    with pytest.raises(RuntimeError, match="dual_level"):
        fwd.make_dual(x, x)
    with pytest.raises(ValueError, match="tangent shape"):
        wl.autograd.jvp(wl.sin, (x,), (wl.zeros(3, dtype=wl.float64),))
    with pytest.raises(TypeError, match="tangent dtype float32 differs from primal dtype float64"):
        wl.autograd.jvp(wl.sin, (x,), (wl.zeros(4),))
    with pytest.raises(TypeError, match="floating point"):
        wl.autograd.jvp(lambda a: a, (wl.tensor([1, 2]),), (wl.tensor([1, 2]),))
    with pytest.raises(ValueError, match="2 primals but 1 tangents"):
        wl.autograd.jvp(wl.mul, (x, x), (x,))
    with pytest.raises(RuntimeError, match="fakedev"), fwd.dual_level():
        fwd.make_dual(x, wl.zeros(4, dtype=wl.float64, device="fakedev"))


def test_jvp_of_constant_and_identity_functions():
    x, v = both(X)[0], both(V)[0]
    out, t = wl.autograd.jvp(lambda a: wl.ones(2, dtype=wl.float64), (x,), (v,))
    assert t.tolist() == [0.0, 0.0]
    out, t = wl.autograd.jvp(lambda a: a, (x,), (v,))
    assert out.tolist() == X and t.tolist() == V


def test_jvp_works_under_no_grad():
    (x, tx), (v, tv) = both(X), both(V)
    with wl.no_grad():
        _, t = wl.autograd.jvp(lambda a: (a * a).tanh(), (x,), (v,))
    _, tt = torch.func.jvp(lambda a: (a * a).tanh(), (tx,), (tv,))
    close(t, tt)
    assert not t.requires_grad


def test_perturbation_confusion():
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1; a confused implementation gives 2.
    def outer(x):
        _, dy = wl.autograd.jvp(lambda y: x + y, (wl.tensor(3.0, dtype=wl.float64),),
                                (wl.tensor(1.0, dtype=wl.float64),))
        return x * dy

    for x0 in (1.0, -2.5):
        _, d = wl.autograd.jvp(outer, (wl.tensor(x0, dtype=wl.float64),),
                               (wl.tensor(1.0, dtype=wl.float64),))
        assert d.item() == 1.0


def test_nested_jvp_gives_higher_derivatives_of_sin():
    x, tx = both(X)
    one = wl.ones_like(x)

    def d(f):
        return lambda a: wl.autograd.jvp(f, (a,), (one,))[1]

    d2, d3 = d(d(wl.sin)), d(d(d(wl.sin)))
    np.testing.assert_allclose(d2(x).numpy(), -np.sin(X), rtol=1e-12)
    np.testing.assert_allclose(d3(x).numpy(), -np.cos(X), rtol=1e-12)
    tone = torch.ones_like(tx)
    td2 = torch.func.jvp(lambda a: torch.func.jvp(torch.sin, (a,), (tone,))[1], (tx,), (tone,))[1]
    close(d2(x), td2)


def f_scalar(lib, a):
    return (lib.sin(a) * a ** 2).sum() + (lib.exp(a * 0.5) * a).sum() ** 2


def test_forward_over_reverse_is_a_hessian_vector_product():
    (x, tx), (v, tv) = both(X), both(V)

    def grad_f(a):
        a = a.requires_grad_() if a.is_leaf else a
        return wl.autograd.grad(f_scalar(wl, a), a, create_graph=True)[0]

    g, hv = wl.autograd.jvp(grad_f, (x,), (v,))
    tg, thv = torch.func.jvp(torch.func.grad(lambda a: f_scalar(torch, a)), (tx,), (tv,))
    close(g, tg)
    close(hv, thv)
    # Also from a leaf that already requires grad, and against the full Hessian.
    xr = wl.tensor(X, dtype=wl.float64, requires_grad=True)
    _, hv2 = wl.autograd.jvp(grad_f, (xr,), (v,))
    hess = torch.autograd.functional.hessian(lambda a: f_scalar(torch, a), tx)
    close(hv2, hess @ tv)


def test_reverse_over_forward_matches_torch():
    (v, tv) = both(V)
    x = wl.tensor(X, dtype=wl.float64, requires_grad=True)
    tx = torch.tensor(X, dtype=torch.float64)
    _, t = wl.autograd.jvp(lambda a: f_scalar(wl, a), (x,), (v,))
    (g,) = wl.autograd.grad(t, x)

    def tangent(a):
        return torch.func.jvp(lambda b: f_scalar(torch, b), (a,), (tv,))[1]

    close(g, torch.func.grad(tangent)(tx))
    # and the jvp's primal output stays differentiable like f itself
    out, _ = wl.autograd.jvp(lambda a: (a * a).sum(), (x,), (v,))
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.asarray(X))


def test_grad_with_respect_to_the_tangent_matches_torch():
    x, tx = both(X)
    v = wl.tensor(V, dtype=wl.float64, requires_grad=True)
    _, t = wl.autograd.jvp(lambda a: f_scalar(wl, a), (x,), (v,))
    (g,) = wl.autograd.grad(t, v)  # the tangent is linear in v: this is J^T, here grad f

    def tangent(vv):
        return torch.func.jvp(lambda b: f_scalar(torch, b), (tx,), (vv,))[1]

    close(g, torch.func.grad(tangent)(torch.tensor(V, dtype=torch.float64)))


def test_second_order_mixed_modes_agree():
    # jvp(grad f) and grad(<grad f, v>) are both H v: forward-over-reverse = reverse-over-reverse.
    x, v = both(X)[0], both(V)[0]
    xr = x.detach().requires_grad_()
    (g,) = wl.autograd.grad(f_scalar(wl, xr), xr, create_graph=True)
    (hv_rr,) = wl.autograd.grad((g * v).sum(), xr)

    def grad_f(a):
        return wl.autograd.grad(f_scalar(wl, a), a, create_graph=True)[0]

    _, hv_fr = wl.autograd.jvp(grad_f, (x.detach().requires_grad_(),), (v,))
    np.testing.assert_allclose(hv_fr.detach().numpy(), hv_rr.numpy(), rtol=1e-10)
