"""Custom derivatives, continued: several outputs (one rule call for all), Function's ctx
(needs_input_grad, attributes, non-tensor inputs) and the errors, each naming the function."""
import numpy as np
import pytest

import wonderland as wl
from wonderland.autodiff.custom import Function, custom_jvp, custom_vjp

from .custom_rules import counter, make_softplus_vjp, softplus_ops, xpair


# --- several outputs ----------------------------------------------------------------------------
def test_custom_vjp_with_two_outputs_calls_bwd_once():
    calls = counter()

    def bwd(x, gs):
        calls["bwd"] += 1
        return (gs[0] * x.cos() - gs[1] * x.sin(),)

    sincos = custom_vjp(lambda x: (x.sin(), x.cos()))
    sincos.defvjp(lambda x: ((x.sin(), x.cos()), x), bwd)
    x, tx = xpair([0.1, 1.2, -2.0])
    s, c = sincos(x)
    (2 * s + 3 * c).sum().backward()
    (2 * tx.sin() + 3 * tx.cos()).sum().backward()
    assert calls["bwd"] == 1
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-13)
    x.grad = None
    sincos(x)[1].sum().backward()  # an unused output's cotangent is zeros
    np.testing.assert_allclose(x.grad.numpy(), -np.sin(x.detach().numpy()), rtol=1e-13)


def test_function_with_two_outputs_and_a_non_tensor_input():
    class ScaledPair(Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            ctx.save_for_backward(x)
            return x * k, x * x

        @staticmethod
        def backward(ctx, ga, gb):
            (x,) = ctx.saved_tensors
            return ga * ctx.k + 2 * gb * x, None

    x, tx = xpair([1.0, -2.0])
    a, b = ScaledPair.apply(x, 5.0)
    (a + b).sum().backward()
    (tx * 5 + tx * tx).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-13)


# --- Function's ctx and its errors --------------------------------------------------------------
def test_ctx_needs_input_grad_and_attributes():
    seen = {}

    class Mul(Function):
        @staticmethod
        def forward(ctx, a, b, label):
            seen["needs"] = ctx.needs_input_grad
            ctx.label = label
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            seen["label"] = ctx.label
            return (g * b if ctx.needs_input_grad[0] else None,
                    g * a if ctx.needs_input_grad[1] else None, None)

    a = wl.tensor([2.0, 3.0], requires_grad=True)
    b = wl.tensor([5.0, 7.0])
    Mul.apply(a, b, "hi").sum().backward()
    assert seen == {"needs": (True, False, False), "label": "hi"}
    np.testing.assert_array_equal(a.grad.numpy(), [5.0, 7.0])


def _bad_function(result):
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return result(g)

    return Bad


@pytest.mark.parametrize("result, error, words", [
    (lambda g: g, ValueError, r"Bad\.backward returned 1 gradients; expected 2"),
    (lambda g: (g[:1], None), ValueError, r"Bad\.backward.*shape \(1,\) for input 0 of shape"),
    (lambda g: (g, g), TypeError, r"Bad\.backward.*input 1, which is not a tensor"),
    (lambda g: ("no", None), TypeError, r"Bad\.backward returned str"),
])
def test_function_backward_errors_name_the_function(result, error, words):
    x = wl.tensor([1.0, 2.0], requires_grad=True)
    y = _bad_function(result).apply(x, 2.0)
    with pytest.raises(error, match=words):
        y.sum().backward()


def test_custom_rule_errors():
    x = wl.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="defvjp"):
        custom_vjp(softplus_ops)(x)
    with pytest.raises(TypeError, match="defjvp"):
        custom_jvp(softplus_ops)(x)
    no_pair = custom_vjp(softplus_ops).defvjp(lambda x: softplus_ops(x), lambda r, g: (g,))
    with pytest.raises(TypeError, match="pair"):
        no_pair(x)
    two = custom_vjp(softplus_ops).defvjp(lambda x: (x, x), lambda r, g: (g, g))
    with pytest.raises(ValueError, match="softplus_ops: bwd returned 2 gradients; expected 1"):
        two(x).sum().backward()
    bad_t = custom_jvp(softplus_ops).defjvp(lambda p, t: (p[0], t[0][:1]))
    with pytest.raises(ValueError, match=r"tangent of \(1,\) for an output of shape \(2,\)"):
        wl.autograd.jvp(bad_t, (x.detach(),), (x.detach(),))


def test_function_without_jvp_refuses_forward_mode_by_name():
    x = wl.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="Bad: forward-mode"):
        wl.autograd.jvp(lambda x: _bad_function(lambda g: g).apply(x, 1.0), (x,), (x,))


def test_custom_vjp_refuses_forward_mode():
    sp = make_softplus_vjp(counter())
    x = wl.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="custom_vjp function softplus_ops: forward-mode"):
        wl.autograd.jvp(sp, (x,), (x,))


def test_second_backward_without_retain_graph_is_an_error():
    x = wl.tensor([1.0, 2.0], requires_grad=True)
    y = make_softplus_vjp(counter())(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
