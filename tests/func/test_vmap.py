"""vmap itself: axes, pytrees, nesting, composition with grad and jvp, randomness, errors.
(Every primitive's batching rule is proven by tests/ops/test_batching.py.)"""
import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.autodiff.vmap import vmap


def _np(x):
    return np.asarray(x)


def test_in_axes_out_axes_and_unbatched_arguments():
    x = wl.randn(4, 3, dtype=wl.float64)
    w = wl.randn(3, 2, dtype=wl.float64)
    y = vmap(lambda xi, w: (xi @ w).tanh(), in_axes=(0, None))(x, w)
    np.testing.assert_allclose(_np(y), np.tanh(_np(x) @ _np(w)))
    yt = vmap(lambda xi, w: xi @ w, in_axes=(1, None), out_axes=1)(x.T, w)
    np.testing.assert_allclose(_np(yt), (_np(x) @ _np(w)).T)


def test_pytree_inputs_and_outputs():
    xs = {"a": wl.randn(5, 2, dtype=wl.float64), "b": wl.randn(2, 5, dtype=wl.float64)}

    def f(d):
        return {"sum": d["a"] + d["b"], "prod": (d["a"] * d["b"]).sum()}

    out = vmap(f, in_axes=({"a": 0, "b": 1},))(xs)
    np.testing.assert_allclose(_np(out["sum"]), _np(xs["a"]) + _np(xs["b"]).T)
    np.testing.assert_allclose(_np(out["prod"]), (_np(xs["a"]) * _np(xs["b"]).T).sum(1))


def test_output_that_ignores_the_batch_is_broadcast():
    out = vmap(lambda x: wl.ones(3), in_axes=0)(wl.zeros(4, 2))
    assert out.shape == (4, 3)


def test_nested_vmap_is_an_outer_product():
    a, b = wl.randn(3, dtype=wl.float64), wl.randn(4, dtype=wl.float64)
    out = vmap(vmap(lambda x, y: x * y, in_axes=(None, 0)), in_axes=(0, None))(a, b)
    np.testing.assert_allclose(_np(out), np.outer(_np(a), _np(b)))


def _mlp_loss(params, x, y):
    w1, w2 = params
    return (((x @ w1).tanh() @ w2 - y) ** 2).sum()


def test_per_example_gradients_match_a_loop_and_torch():
    rng = np.random.default_rng(0)
    w1, w2 = rng.standard_normal((3, 5)), rng.standard_normal((5, 1))
    xs, ys = rng.standard_normal((6, 3)), rng.standard_normal((6, 1))

    def grads(w1, w2, x, y):
        w1, w2 = w1.detach().requires_grad_(), w2.detach().requires_grad_()
        return wl.autograd.grad(_mlp_loss((w1, w2), x, y), (w1, w2))

    got = vmap(grads, in_axes=(None, None, 0, 0))(*[wl.tensor(a) for a in (w1, w2, xs, ys)])
    tw = [torch.tensor(a) for a in (w1, w2)]
    tgrads = torch.func.vmap(torch.func.grad(lambda p, x, y: (((x @ p[0]).tanh() @ p[1] - y) ** 2)
                                             .sum()), in_dims=(None, 0, 0))(
        tw, torch.tensor(xs), torch.tensor(ys))
    for k in range(6):
        loop = grads(*[wl.tensor(a) for a in (w1, w2, xs[k], ys[k])])
        for g, lg in zip(got, loop):
            np.testing.assert_allclose(_np(g)[k], _np(lg), rtol=1e-12)
    for g, tg in zip(got, tgrads):
        np.testing.assert_allclose(_np(g), tg.numpy(), rtol=1e-10)


def test_vmap_of_jvp_and_jvp_of_vmap_agree():
    x = wl.randn(4, 3, dtype=wl.float64)
    t = wl.randn(4, 3, dtype=wl.float64)

    def f(v):
        return (v.sin() * v).sum()

    per_row = vmap(lambda xi, ti: wl.autograd.jvp(f, (xi,), (ti,))[1])(x, t)
    _, whole = wl.autograd.jvp(vmap(f), (x,), (t,))
    np.testing.assert_allclose(_np(per_row), _np(whole), rtol=1e-12)
    want = ((np.cos(_np(x)) * _np(x) + np.sin(_np(x))) * _np(t)).sum(1)
    np.testing.assert_allclose(_np(whole), want, rtol=1e-12)


def test_grad_of_vmap():
    x = wl.randn(5, 2, dtype=wl.float64, requires_grad=True)
    vmap(lambda r: (r * r).sum())(x).sum().backward()
    np.testing.assert_allclose(_np(x.grad), 2 * _np(x.detach()))


def test_randomness_modes():
    x = wl.zeros(4, 3)
    with pytest.raises(RuntimeError, match="randomness='error'"):
        vmap(lambda r: r + wl.randn(3))(x)
    same = vmap(lambda r: r + wl.randn(3), randomness="same")(x)
    assert np.allclose(_np(same), _np(same)[0])
    different = vmap(lambda r: r + wl.randn(3), randomness="different")(x)
    assert different.shape == (4, 3) and not np.allclose(_np(different), _np(different)[0])
    wl.manual_seed(1)
    a = vmap(lambda r: r + wl.rand(3), randomness="different")(x)
    wl.manual_seed(1)
    b = vmap(lambda r: r + wl.rand(3), randomness="different")(x)
    np.testing.assert_array_equal(_np(a), _np(b))


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="disagree on the batch size"):
        vmap(lambda a, b: a + b)(wl.zeros(3), wl.zeros(4))
    with pytest.raises(ValueError, match="marks no input as batched"):
        vmap(lambda a: a, in_axes=None)(wl.zeros(3))
    with pytest.raises(ValueError, match="out of range"):
        vmap(lambda a: a, in_axes=2)(wl.zeros(3, 2))
    with pytest.raises(ValueError, match="in_axes has 1 entries for 2 arguments"):
        vmap(lambda a, b: a, in_axes=(0,))(wl.zeros(3), wl.zeros(3))
    with pytest.raises(RuntimeError, match="cannot be read as a number"):
        vmap(lambda a: a if a.sum() > 0 else -a)(wl.zeros(3, 2))
    with pytest.raises(NotImplementedError, match="batched index tensor"):
        vmap(lambda x, i: x[i], in_axes=(None, 0))(wl.zeros(5), wl.tensor([[0, 1], [2, 3]]))
    with pytest.raises(ValueError, match="randomness must be one of"):
        vmap(lambda a: a, randomness="sometimes")


def test_primitive_without_a_rule_is_named():
    from dataclasses import dataclass

    from wonderland.core import Primitive

    @dataclass(frozen=True)
    class _Twice(Primitive):
        def forward(self, xp, x):
            return 2 * x

    with pytest.raises(NotImplementedError, match="primitive _Twice has no batching rule"):
        vmap(lambda a: _Twice()(a))(wl.zeros(3, 2))
    np.testing.assert_array_equal(_np(_Twice()(wl.ones(2))), [2.0, 2.0])  # outside vmap: fine
