"""grad, value_and_grad, vjp, jvp and linearize on scalar, vector, matrix and pytree functions,
against torch.func and finite differences; argnums, has_aux, clear errors, and plain use that
keeps no graph."""
import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.autodiff.transforms import grad, jvp, linearize, value_and_grad, vjp

from .helpers import assert_tree_close, both, finite_difference_jacobian, no_tape, wl_numpy

pytestmark = pytest.mark.filterwarnings("ignore:Attempted to insert a get_attr Node")


# The same functions, written once, run on either library (`lib` is wl or torch).
def scalar_fn(lib, x):
    return (lib.sin(x) * x ** 2).sum() + (lib.exp(x * 0.5) * x).sum() ** 2


def vector_fn(lib, x, m):
    return lib.tanh(m @ x) * x.sum()


def matrix_fn(lib, a, b):
    return lib.sigmoid(a @ b) @ b.T - a * 0.5


def mlp_loss(lib, params, data):
    hidden = lib.tanh(data["x"] @ params["w1"] + params["b1"])
    out = hidden @ params["w2"]
    return ((out - data["y"]) ** 2).mean()


def pytree_inputs():
    (w1, tw1), (b1, tb1), (w2, tw2) = both(3, 4), both(4), both(4, 2)
    (x, tx), (y, ty) = both(5, 3), both(5, 2)
    params = {"w1": w1, "b1": b1, "w2": w2}
    tparams = {"w1": tw1, "b1": tb1, "w2": tw2}
    return (params, {"x": x, "y": y}), (tparams, {"x": tx, "y": ty})


def test_grad_of_a_scalar_function_matches_torch_and_finite_differences():
    x, tx = both(5)
    g = grad(lambda a: scalar_fn(wl, a))(x)
    assert_tree_close(g, torch.func.grad(lambda a: scalar_fn(torch, a))(tx))
    fd = finite_difference_jacobian(wl_numpy(lambda a: scalar_fn(wl, a)), x.numpy())
    np.testing.assert_allclose(g.numpy(), fd, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("argnums", [0, 1, (0,), (1, 0), (0, 1), -1])
def test_grad_argnums_on_pytrees_matches_torch(argnums):
    (params, data), (tparams, tdata) = pytree_inputs()
    got = grad(lambda p, d: mlp_loss(wl, p, d), argnums=argnums)(params, data)
    want = torch.func.grad(lambda p, d: mlp_loss(torch, p, d), argnums=argnums)(tparams, tdata)
    assert_tree_close(got, want)
    if isinstance(argnums, tuple):
        assert isinstance(got, tuple) and len(got) == len(argnums)
    else:
        assert isinstance(got, dict) and set(got) == ({"w1", "b1", "w2"} if argnums == 0
                                                      else {"x", "y"})


def test_grad_and_value_and_grad_with_aux():
    (params, data), (tparams, tdata) = pytree_inputs()

    def f(lib, p, d):
        loss = mlp_loss(lib, p, d)
        aux = {"loss": loss, "twice": loss * 2}
        return loss, (dict(aux, tag="kept") if lib is wl else aux)  # torch allows tensors only

    g, aux = grad(lambda p, d: f(wl, p, d), has_aux=True)(params, data)
    tg, taux = torch.func.grad(lambda p, d: f(torch, p, d), has_aux=True)(tparams, tdata)
    assert_tree_close(g, tg)
    assert aux["tag"] == "kept"
    np.testing.assert_allclose(aux["twice"].numpy(), taux["twice"].item(), rtol=1e-12)
    (value, aux2), g2 = value_and_grad(lambda p, d: f(wl, p, d), has_aux=True)(params, data)
    assert_tree_close(g2, tg)
    np.testing.assert_allclose(value.numpy(), taux["loss"].item(), rtol=1e-12)
    value, g3 = value_and_grad(lambda p, d: mlp_loss(wl, p, d), argnums=(0, 1))(params, data)
    tg3 = torch.func.grad(lambda p, d: mlp_loss(torch, p, d), argnums=(0, 1))(tparams, tdata)
    assert_tree_close(g3, tg3)
    assert no_tape((value, aux, aux2, g, g2, g3))


def test_grad_passes_keyword_arguments_and_handles_unused_and_constant_inputs():
    x, tx = both(4)
    y, _ = both(4)
    g = grad(lambda a, b, scale=1.0: (a * scale).sum(), argnums=(0, 1))(x, y, scale=3.0)
    np.testing.assert_allclose(g[0].numpy(), np.full(4, 3.0))
    np.testing.assert_allclose(g[1].numpy(), np.zeros(4))  # unused: zeros, as in torch.func
    g = grad(lambda a: wl.tensor(2.0, dtype=wl.float64))(x)
    np.testing.assert_allclose(g.numpy(), np.zeros(4))
    g = grad(lambda a: a[1])(x)  # the output is a view of the input
    np.testing.assert_allclose(g.numpy(), [0.0, 1.0, 0.0, 0.0])


def test_plain_use_keeps_no_graph_but_an_input_that_requires_grad_stays_differentiable():
    x, tx = both(4)
    value, g = value_and_grad(lambda a: scalar_fn(wl, a))(x)
    assert no_tape((value, g)) and not x.requires_grad
    with wl.no_grad():  # transforms ignore an outer no_grad, as torch.func does
        g0 = grad(lambda a: scalar_fn(wl, a))(x)
    assert_tree_close(g0, g)
    assert no_tape(g0)
    xr = wl.tensor(x.numpy(), dtype=wl.float64, requires_grad=True)
    gr = grad(lambda a: scalar_fn(wl, a))(xr)
    assert gr.requires_grad  # the tape of the outer leaf sees through the transform
    gr.sum().backward()
    txr = tx.clone().requires_grad_()
    torch.func.grad(lambda a: scalar_fn(torch, a))(txr).sum().backward()
    assert_tree_close(xr.grad, txr.grad)


def test_gradient_penalty_on_closure_weights_matches_torch():
    (x, tx), (w, tw) = both(6), both(6)
    w.requires_grad_()
    tw.requires_grad_()
    g = grad(lambda a: wl.sin(a * w).sum() * (w ** 2).sum())(x)
    tg = torch.func.grad(lambda a: torch.sin(a * tw).sum() * (tw ** 2).sum())(tx)
    assert g.requires_grad
    (g ** 2).sum().backward()
    (tg ** 2).sum().backward()
    assert_tree_close(w.grad, tw.grad)


def test_vjp_on_pytrees_called_several_times_matches_torch():
    (a, ta), (b, tb) = both(3, 4), both(4, 2)

    def f(lib, inputs):
        out = matrix_fn(lib, inputs["a"], inputs["b"])
        return {"out": out, "pair": (out.sum(), lib.tanh(inputs["b"]))}

    out, vjp_fn = vjp(lambda d: f(wl, d), {"a": a, "b": b})
    tout, tvjp_fn = torch.func.vjp(lambda d: f(torch, d), {"a": ta, "b": tb})
    assert_tree_close(out, tout)
    assert no_tape(out)
    for _ in range(2):
        (c1, tc1), (c2, tc2), (c3, tc3) = both(3, 4), both(), both(4, 2)
        got = vjp_fn({"out": c1, "pair": (c2, c3)})
        assert isinstance(got, tuple) and len(got) == 1
        assert_tree_close(got, tvjp_fn({"out": tc1, "pair": (tc2, tc3)}))
        assert no_tape(got)


def test_vjp_with_several_primals_and_aux():
    (x, tx), (m, tm) = both(3), both(4, 3)
    out, vjp_fn, aux = vjp(lambda a, b: (vector_fn(wl, a, b), a * 2), x, m, has_aux=True)
    tout, tvjp_fn, taux = torch.func.vjp(lambda a, b: (vector_fn(torch, a, b), a * 2), tx, tm,
                                         has_aux=True)
    c, tc = both(4)
    assert_tree_close((out, aux), (tout, taux))
    assert_tree_close(vjp_fn(c), tvjp_fn(tc))
    jac = finite_difference_jacobian(wl_numpy(lambda a: vector_fn(wl, a, m)), x.numpy())
    np.testing.assert_allclose(vjp_fn(c)[0].numpy(), c.numpy() @ jac, rtol=1e-6, atol=1e-8)


def test_jvp_on_pytrees_matches_torch():
    (params, data), (tparams, tdata) = pytree_inputs()
    tangents = {k: both(*v.shape)[0] for k, v in params.items()}
    ttangents = {k: torch.tensor(v.numpy()) for k, v in tangents.items()}

    def f(lib, p):
        return {"loss": mlp_loss(lib, p, {"x": data["x"] if lib is wl else tdata["x"],
                                          "y": data["y"] if lib is wl else tdata["y"]}),
                "h": (lib.tanh(p["w1"]), p["b1"] * 3)}

    out, tan = jvp(lambda p: f(wl, p), (params,), (tangents,))
    tout, ttan = torch.func.jvp(lambda p: f(torch, p), (tparams,), (ttangents,))
    assert_tree_close((out, tan), (tout, ttan))
    assert no_tape((out, tan))


def test_jvp_with_aux_and_against_finite_differences():
    (x, _), (m, _), (v, _) = both(3), both(4, 3), both(3)
    out, tan, aux = jvp(lambda a: (vector_fn(wl, a, m), {"a": a}), (x,), (v,), has_aux=True)
    jac = finite_difference_jacobian(wl_numpy(lambda a: vector_fn(wl, a, m)), x.numpy())
    np.testing.assert_allclose(tan.numpy(), jac @ v.numpy(), rtol=1e-6, atol=1e-8)
    assert not aux["a"]._tangents and np.array_equal(aux["a"].numpy(), x.numpy())


def test_linearize_matches_jvp_for_several_tangents():
    (a, ta), (b, tb) = both(3, 4), both(4, 2)
    out, jvp_fn = linearize(lambda p, q: matrix_fn(wl, p, q), a, b)
    tout, tjvp_fn = torch.func.linearize(lambda p, q: matrix_fn(torch, p, q), ta, tb)
    assert_tree_close(out, tout)
    for _ in range(2):
        (u, tu), (w, tw) = both(3, 4), both(4, 2)
        assert_tree_close(jvp_fn(u, w), tjvp_fn(tu, tw))


def test_errors_name_what_was_expected():
    x, _ = both(3)
    f = lambda a: (a * a).sum()  # noqa: E731
    with pytest.raises(ValueError, match="argnums 2 is out of range.*2 positional"):
        grad(lambda a, b: a.sum(), argnums=2)(x, x)
    with pytest.raises(TypeError, match="argnums must be an int or a non-empty tuple"):
        grad(f, argnums="0")(x)
    with pytest.raises(ValueError, match="repeats"):
        grad(lambda a, b: a.sum(), argnums=(0, 0))(x, x)
    with pytest.raises(RuntimeError, match=r"0-d tensor, got shape \(3,\); use vjp or jacrev"):
        grad(lambda a: a * 2)(x)
    with pytest.raises(TypeError, match=r"pair \(output, aux\)"):
        grad(f, has_aux=True)(x)
    with pytest.raises(TypeError, match="input leaf 0 has dtype int64"):
        grad(f)(wl.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"tangent leaf 1 has shape \(2,\); expected shape \(3,\)"):
        jvp(lambda a, b: a * b, (x, x), (x, x[:2]))
    with pytest.raises(ValueError, match=r"structure of primals.*at \[0\]: expected a dict"):
        jvp(lambda d: d["a"], ({"a": x},), (x,))
    with pytest.raises(TypeError, match="must be tuples"):
        jvp(f, x, x)
    _, vjp_fn = vjp(lambda a: (a * 2, a.sum()), x)
    with pytest.raises(ValueError, match=r"cotangent for output leaf 1 has shape \(3,\); "
                                         r"expected shape \(\)"):
        vjp_fn((x, x))
    with pytest.raises(ValueError, match=r"structure of f's output \(\*, \*\)"):
        vjp_fn(x)
