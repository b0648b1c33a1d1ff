"""jacrev, jacfwd, jacobian (and its choice of mode), hessian, hvp and vhp against torch.func
and finite differences, on vector, matrix and pytree functions."""
import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.autodiff import jacobians
from wonderland.autodiff.jacobians import hessian, jacfwd, jacobian, jacrev
from wonderland.autodiff.transforms import hvp, vhp

from .helpers import assert_tree_close, both, finite_difference_jacobian, no_tape, wl_numpy
from .test_transforms import matrix_fn, mlp_loss, pytree_inputs, scalar_fn, vector_fn

JACOBIANS = {"jacrev": (jacrev, torch.func.jacrev), "jacfwd": (jacfwd, torch.func.jacfwd),
             "jacobian": (jacobian, torch.func.jacrev)}


@pytest.mark.parametrize("name", list(JACOBIANS))
def test_jacobian_of_a_vector_function(name):
    ours, theirs = JACOBIANS[name]
    (x, tx), (m, tm) = both(3), both(5, 3)
    jac = ours(lambda a: vector_fn(wl, a, m))(x)
    assert jac.shape == (5, 3)
    assert_tree_close(jac, theirs(lambda a: vector_fn(torch, a, tm))(tx))
    fd = finite_difference_jacobian(wl_numpy(lambda a: vector_fn(wl, a, m)), x.numpy())
    np.testing.assert_allclose(jac.numpy(), fd, rtol=1e-6, atol=1e-8)
    assert no_tape(jac)


@pytest.mark.parametrize("name", list(JACOBIANS))
@pytest.mark.parametrize("argnums", [0, 1, (1, 0)])
def test_jacobian_of_a_matrix_function_with_argnums(name, argnums):
    ours, theirs = JACOBIANS[name]
    (a, ta), (b, tb) = both(3, 4), both(4, 2)
    jac = ours(lambda p, q: matrix_fn(wl, p, q), argnums=argnums)(a, b)
    want = theirs(lambda p, q: matrix_fn(torch, p, q), argnums=argnums)(ta, tb)
    assert_tree_close(jac, want)
    if argnums == 0:
        assert jac.shape == (3, 4, 3, 4)


@pytest.mark.parametrize("name", list(JACOBIANS))
def test_jacobian_of_pytree_inputs_and_outputs(name):
    ours, theirs = JACOBIANS[name]
    (params, data), (tparams, tdata) = pytree_inputs()

    def f(lib, p, d):
        return (mlp_loss(lib, p, d), {"h": lib.tanh(d["x"] @ p["w1"]), "b": p["b1"] * 2})

    jac = ours(lambda p, d: f(wl, p, d))(params, data)
    want = theirs(lambda p, d: f(torch, p, d))(tparams, tdata)
    assert_tree_close(jac, want)
    assert jac[1]["h"]["w1"].shape == (5, 4, 3, 4) and jac[0]["b1"].shape == (4,)


def test_jacobian_auto_picks_the_cheaper_mode(monkeypatch):
    calls = []
    for mode in ("forward", "reverse"):
        real = getattr(jacobians, f"_{mode}_jacobian")

        def spy(*args, _real=real, _mode=mode):
            calls.append(_mode)
            return _real(*args)

        monkeypatch.setattr(jacobians, f"_{mode}_jacobian", spy)
    wide_out, _ = both(7, 2)  # 2 inputs -> 7 outputs: forward is cheaper
    narrow_out, _ = both(2, 7)  # 7 inputs -> 2 outputs: reverse is cheaper
    square, _ = both(3, 3)
    cases = [(wide_out, both(2)[0], "forward"), (narrow_out, both(7)[0], "reverse"),
             (square, both(3)[0], "reverse")]
    for m, x, expected in cases:
        f = lambda a, m=m: wl.tanh(m @ a)  # noqa: E731
        calls.clear()
        auto = jacobian(f)(x)
        assert calls == [expected]
        calls.clear()
        fwd, rev = jacobian(f, mode="fwd")(x), jacobian(f, mode="rev")(x)
        assert calls == ["forward", "reverse"]
        assert_tree_close(auto, fwd)
        assert_tree_close(rev, fwd)
        fd = finite_difference_jacobian(wl_numpy(f), x.numpy())
        assert_tree_close(auto, fd, rtol=1e-6, atol=1e-8)
    with pytest.raises(ValueError, match="mode must be one of"):
        jacobian(wl.sin, mode="forward")


def test_hessian_of_scalar_and_pytree_functions():
    x, tx = both(4)
    h = hessian(lambda a: scalar_fn(wl, a))(x)
    assert_tree_close(h, torch.func.hessian(lambda a: scalar_fn(torch, a))(tx))
    fd = finite_difference_jacobian(
        wl_numpy(lambda a: jacrev(lambda b: scalar_fn(wl, b))(a)), x.numpy())
    np.testing.assert_allclose(h.numpy(), fd, rtol=1e-5, atol=1e-6)
    assert no_tape(h)
    (params, data), (tparams, tdata) = pytree_inputs()
    h = hessian(lambda p, d: mlp_loss(wl, p, d))(params, data)
    assert_tree_close(h, torch.func.hessian(lambda p, d: mlp_loss(torch, p, d))(tparams, tdata))


def test_hvp_and_vhp_match_the_hessian():
    (x, tx), (y, ty), (v, tv), (w, tw) = both(4), both(3), both(4), both(3)

    def f(lib, a, b):
        return (lib.sin(a).sum() * (b ** 2).sum()) + lib.exp(a[:3] * b).sum()

    full = torch.func.hessian(lambda a, b: f(torch, a, b), argnums=(0, 1))(tx, ty)
    expect = (full[0][0] @ tv + full[0][1] @ tw, full[1][0] @ tv + full[1][1] @ tw)
    value, hv = hvp(lambda a, b: f(wl, a, b), (x, y), (v, w))
    assert_tree_close(hv, expect)
    np.testing.assert_allclose(value.numpy(), f(torch, tx, ty).item(), rtol=1e-12)
    value2, vh = vhp(lambda a, b: f(wl, a, b), (x, y), (v, w))
    assert_tree_close(vh, expect)  # the Hessian is symmetric
    assert no_tape((value, hv, value2, vh))


def test_jacobian_errors():
    x, _ = both(3)
    with pytest.raises(ValueError, match="argnums 1 is out of range"):
        jacrev(wl.sin, argnums=1)(x)
    with pytest.raises(TypeError, match="jacfwd: input leaf 0 is a float"):
        jacfwd(lambda a: a * 2)(1.0)
