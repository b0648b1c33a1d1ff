"""Every pair of transforms composes: grad, jvp, vjp, jacrev, jacfwd and vmap applied to one
another's results, checked against torch.func, a Python loop, or each other (the four ways to
a Hessian agree)."""
import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.autodiff.jacobians import hessian, jacfwd, jacrev
from wonderland.autodiff.transforms import grad, jvp, value_and_grad, vjp
from wonderland.autodiff.vmap import vmap

from .helpers import assert_tree_close, both, no_tape
from .test_transforms import scalar_fn, vector_fn


def f_wl(a):
    return scalar_fn(wl, a)


def f_torch(a):
    return scalar_fn(torch, a)


def test_grad_of_grad():
    (x, tx), (v, tv) = both(4), both(4)
    got = grad(lambda a: (grad(f_wl)(a) * v).sum())(x)
    want = torch.func.grad(lambda a: (torch.func.grad(f_torch)(a) * tv).sum())(tx)
    assert_tree_close(got, want)
    d3 = grad(grad(grad(lambda a: wl.sin(a) * a)))(wl.tensor(0.7, dtype=wl.float64))
    np.testing.assert_allclose(d3.item(), -3 * np.sin(0.7) - 0.7 * np.cos(0.7), rtol=1e-12)
    assert no_tape((got, d3))


def test_jvp_of_grad_and_grad_of_jvp_are_hessian_vector_products():
    (x, tx), (v, tv) = both(4), both(4)
    want = torch.func.hessian(f_torch)(tx) @ tv
    g, hv = jvp(grad(f_wl), (x,), (v,))
    assert_tree_close(hv, want)
    assert_tree_close(g, torch.func.grad(f_torch)(tx))
    assert_tree_close(grad(lambda a: jvp(f_wl, (a,), (v,))[1])(x), want)
    assert no_tape((g, hv))
    # the value a reverse transform returns keeps its tangent: d f(x + s v) / ds = grad . v
    (value, g), (dvalue, hv) = jvp(value_and_grad(f_wl), (x,), (v,))
    assert_tree_close((dvalue, hv), (torch.func.grad(f_torch)(tx) @ tv, want))
    assert no_tape((value, dvalue))


def test_jvp_of_jvp_is_a_second_directional_derivative():
    (x, tx), (v, tv), (w, tw) = both(4), both(4), both(4)
    _, got = jvp(lambda a: jvp(f_wl, (a,), (v,))[1], (x,), (w,))
    assert_tree_close(got, tw @ torch.func.hessian(f_torch)(tx) @ tv)


def test_vjp_of_jvp_and_jvp_of_vjp():
    (x, tx), (m, tm), (v, tv), (c, tc) = both(3), both(5, 3), both(3), both(5)
    _, pull = vjp(lambda a: jvp(lambda b: vector_fn(wl, b, m), (a,), (v,))[1], x)
    _, tpull = torch.func.vjp(lambda a: torch.func.jvp(lambda b: vector_fn(torch, b, tm),
                                                       (a,), (tv,))[1], tx)
    assert_tree_close(pull(c), tpull(tc))
    _, got = jvp(lambda a: vjp(lambda b: vector_fn(wl, b, m), a)[1](c)[0], (x,), (v,))
    _, want = torch.func.jvp(lambda a: torch.func.vjp(lambda b: vector_fn(torch, b, tm),
                                                      a)[1](tc)[0], (tx,), (tv,))
    assert_tree_close(got, want)


def test_the_four_second_order_combinations_agree_on_a_hessian():
    x, tx = both(4)
    want = torch.func.hessian(f_torch)(tx)
    results = {"fwd-over-rev": jacfwd(jacrev(f_wl))(x), "rev-over-fwd": jacrev(jacfwd(f_wl))(x),
               "rev-over-rev": jacrev(jacrev(f_wl))(x), "fwd-over-fwd": jacfwd(jacfwd(f_wl))(x),
               "hessian": hessian(f_wl)(x)}
    for name, h in results.items():
        assert h.shape == (4, 4), name
        assert_tree_close(h, want)
        assert no_tape(h), name


@pytest.mark.parametrize("outer", ["jacrev", "jacfwd"])
@pytest.mark.parametrize("inner", ["jacrev", "jacfwd"])
def test_second_jacobians_of_a_vector_function(outer, inner):
    (x, tx), (m, tm) = both(3), both(2, 3)
    ours = {"jacrev": jacrev, "jacfwd": jacfwd}
    theirs = {"jacrev": torch.func.jacrev, "jacfwd": torch.func.jacfwd}
    got = ours[outer](ours[inner](lambda a: vector_fn(wl, a, m)))(x)
    want = theirs[outer](theirs[inner](lambda a: vector_fn(torch, a, tm)))(tx)
    assert got.shape == (2, 3, 3)
    assert_tree_close(got, want)


def loss(lib, w, x, y):
    return (lib.tanh(x @ w) - y).pow(2).sum()


def test_vmap_of_grad_gives_per_example_gradients_like_a_loop():
    (w, tw), (xs, _), (ys, _) = both(3, 2), both(6, 3), both(6, 2)
    per_example = vmap(grad(lambda w_, x, y: loss(wl, w_, x, y)), in_axes=(None, 0, 0))(w, xs, ys)
    loop = [grad(lambda w_, i=i: loss(wl, w_, xs[i], ys[i]))(w) for i in range(6)]
    assert per_example.shape == (6, 3, 2)
    assert_tree_close(per_example, wl.stack(loop))
    tper = torch.func.vmap(torch.func.grad(lambda w_, x, y: loss(torch, w_, x, y)),
                           in_dims=(None, 0, 0))(tw, torch.tensor(xs.numpy()),
                                                 torch.tensor(ys.numpy()))
    assert_tree_close(per_example, tper)
    assert no_tape(per_example)


def test_grad_of_vmap_matches_torch():
    (w, tw), (xs, txs), (ys, tys) = both(3, 2), both(6, 3), both(6, 2)
    got = grad(lambda w_: vmap(lambda x, y: loss(wl, w_, x, y))(xs, ys).sum())(w)
    want = torch.func.grad(lambda w_: torch.func.vmap(lambda x, y: loss(torch, w_, x, y))(
        txs, tys).sum())(tw)
    assert_tree_close(got, want)
    assert no_tape(got)


def test_vmap_of_jvp_and_jvp_of_vmap():
    (xs, txs), (vs, tvs), (m, tm) = both(5, 3), both(5, 3), both(4, 3)
    got = vmap(lambda x, v: jvp(lambda a: vector_fn(wl, a, m), (x,), (v,))[1])(xs, vs)
    loop = [jvp(lambda a: vector_fn(wl, a, m), (xs[i],), (vs[i],))[1] for i in range(5)]
    assert_tree_close(got, wl.stack(loop))
    out, tan = jvp(vmap(lambda a: vector_fn(wl, a, m)), (xs,), (vs,))
    tout, ttan = torch.func.jvp(torch.func.vmap(lambda a: vector_fn(torch, a, tm)), (txs,), (tvs,))
    assert_tree_close((out, tan), (tout, ttan))


def test_vmap_of_vjp_and_vjp_of_vmap():
    (xs, txs), (cs, tcs), (m, tm) = both(5, 3), both(5, 4), both(4, 3)
    got = vmap(lambda x, c: vjp(lambda a: vector_fn(wl, a, m), x)[1](c)[0])(xs, cs)
    loop = [vjp(lambda a: vector_fn(wl, a, m), xs[i])[1](cs[i])[0] for i in range(5)]
    assert_tree_close(got, wl.stack(loop))
    _, pull = vjp(vmap(lambda a: vector_fn(wl, a, m)), xs)
    _, tpull = torch.func.vjp(torch.func.vmap(lambda a: vector_fn(torch, a, tm)), txs)
    assert_tree_close(pull(cs), tpull(tcs))


def test_vmap_of_vmap_and_of_hessian():
    (xss, txss), (m, tm) = both(2, 5, 3), both(4, 3)
    got = vmap(vmap(lambda a: vector_fn(wl, a, m)))(xss)
    want = torch.stack([torch.stack([vector_fn(torch, a, tm) for a in row]) for row in txss])
    assert_tree_close(got, want)
    hs = vmap(hessian(f_wl))(xss[0])
    assert_tree_close(hs, torch.func.vmap(torch.func.hessian(f_torch))(txss[0]))


def test_per_example_gradients_through_jacrev_match_vmap_of_grad():
    (w, _), (xs, _), (ys, _) = both(3, 2), both(6, 3), both(6, 2)
    jac = jacrev(lambda w_: vmap(lambda x, y: loss(wl, w_, x, y))(xs, ys))(w)
    per_example = vmap(grad(lambda w_, x, y: loss(wl, w_, x, y)), in_axes=(None, 0, 0))(w, xs, ys)
    assert_tree_close(jac, per_example)


def test_per_example_gradients_stay_on_the_tape_of_their_inputs():
    (w, tw), (xs, txs) = both(3), both(5, 3)
    xs.requires_grad_()
    txs.requires_grad_()

    def f(lib):
        return lambda w_, x: (lib.sin(x * w_) * x).sum()

    per = vmap(grad(f(wl)), in_axes=(None, 0))(w, xs)
    tper = torch.func.vmap(torch.func.grad(f(torch)), in_dims=(None, 0))(tw, txs)
    assert per.requires_grad
    (per ** 2).sum().backward()
    (tper ** 2).sum().backward()
    assert_tree_close(xs.grad, txs.grad)
    got = grad(lambda w_: (vmap(grad(f(wl)), in_axes=(None, 0))(w_, xs.detach()) ** 2).sum())(w)
    want = torch.func.grad(lambda w_: (torch.func.vmap(torch.func.grad(f(torch)), in_dims=(
        None, 0))(w_, txs.detach()) ** 2).sum())(tw)
    assert_tree_close(got, want)


@pytest.mark.parametrize("jac", ["jacrev", "jacfwd"])
def test_vmap_of_jacobians_and_jacobians_of_vmap(jac):
    ours = {"jacrev": jacrev, "jacfwd": jacfwd}[jac]
    xs, txs = both(5, 3)

    def g(lib):
        return lambda x: lib.tanh(x) * x.sum()

    want = torch.func.vmap(torch.func.jacrev(g(torch)))(txs)
    assert_tree_close(vmap(ours(g(wl)))(xs), want)
    assert_tree_close(ours(vmap(g(wl)))(xs), torch.func.jacrev(torch.func.vmap(g(torch)))(txs))
