"""The transformer's fused primitives equal the composites they replace: GELU (erf and tanh
forms), layer norm (with and without affine, several normalised shapes) and scaled-dot-product
attention (causal, bool and float masks, scale), forward and gradients, in float64 and float32.
The composites below are the ones the functional API used before the fusion."""
from __future__ import annotations

import math

import numpy as np
import pytest

import wonderland as wl
from wonderland import functional as F
from wonderland.core import primitive as primitive_module

TOL = {"float64": dict(rtol=1e-9, atol=1e-11), "float32": dict(rtol=2e-5, atol=2e-6)}
DTYPES = list(TOL)


# --- the composites ------------------------------------------------------------------------
def gelu_composite(x, approximate="none"):
    if approximate == "none":
        return 0.5 * x * (1.0 + wl.erf(x * (1.0 / math.sqrt(2.0))))
    inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)
    return 0.5 * x * (1.0 + wl.tanh(inner))


def layer_norm_composite(x, shape, weight=None, bias=None, eps=1e-5):
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    centred = x - x.mean(axes, keepdim=True)
    y = centred * ((centred * centred).mean(axes, keepdim=True) + eps).rsqrt()
    if weight is not None:
        y = y * weight
    return y if bias is None else y + bias


def _safe_softmax(scores):
    m = scores.amax(-1, keepdim=True).detach()
    e = (scores - wl.where(m.isinf(), 0.0, m)).exp()
    total = e.sum(-1, keepdim=True)
    return e / wl.where(total == 0, 1.0, total)


def sdpa_composite(q, k, v, attn_mask=None, is_causal=False, scale=None):
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = (q @ k.mT) * scale
    tgt, src = scores.shape[-2:]
    if is_causal:
        keep = wl.arange(tgt)[:, None] >= wl.arange(src)
        scores = wl.where(keep, scores, float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype is wl.bool:
            scores = wl.where(attn_mask, scores, float("-inf"))
        else:
            scores = scores + attn_mask
    return _safe_softmax(scores) @ v


# --- helpers --------------------------------------------------------------------------------
def _arrays(rng, shapes, dtype, scale=1.0):
    return [(rng.standard_normal(s) * scale).astype(dtype) for s in shapes]


def _run(fn, arrays, extra=(), order=1):
    """fn's output and its gradients (first order, or the gradient of a gradient's sum)."""
    xs = [wl.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*xs, *extra)
    g = wl.tensor(np.random.default_rng(1).standard_normal(y.shape).astype(arrays[0].dtype))
    grads = wl.autograd.grad(y, xs, grad_outputs=g, create_graph=order > 1)
    if order > 1:
        total = sum((gr * gr).sum() for gr in grads)
        grads = wl.autograd.grad(total, xs, materialize_grads=True)
    return [np.asarray(y)] + [np.asarray(gr) for gr in grads]


def _same(fused, composite, arrays, dtype, extra=(), order=1):
    got, want = _run(fused, arrays, extra, order), _run(composite, arrays, extra, order)
    for i, (a, b) in enumerate(zip(got, want)):
        assert a.dtype == b.dtype, f"output {i}: dtype {a.dtype} vs {b.dtype}"
        np.testing.assert_allclose(a, b, **TOL[dtype], err_msg=f"output {i} (0: the value)")


def _primitives_run(fn, *args) -> set[str]:
    seen: set[str] = set()
    primitive_module._observers.append(lambda prim, xs: seen.add(prim.name))
    try:
        fn(*args)
    finally:
        primitive_module._observers.pop()
    return seen


# --- GELU -----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_equals_composite(dtype, approximate):
    rng = np.random.default_rng(0)
    arrays = _arrays(rng, [(6, 50)], dtype, scale=3.0)
    _same(lambda x: F.gelu(x, approximate), lambda x: gelu_composite(x, approximate), arrays,
          dtype)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_second_order_equals_composite(approximate):
    arrays = _arrays(np.random.default_rng(2), [(4, 7)], "float64", scale=2.0)
    _same(lambda x: F.gelu(x, approximate), lambda x: gelu_composite(x, approximate), arrays,
          "float64", order=2)


def test_gelu_float32_is_accurate_far_out():
    """The float32 CDF fit holds over the whole line (clamped beyond +-7), not just near 0."""
    x = np.linspace(-60, 60, 200001).astype(np.float32)
    exact = np.asarray(F.gelu(wl.tensor(x.astype(np.float64))))
    slope = np.asarray(wl.autograd.grad(F.gelu(t := wl.tensor(x.astype(np.float64),
                                                            requires_grad=True)).sum(), t)[0])
    xs = wl.tensor(x, requires_grad=True)
    y = F.gelu(xs)
    (g,) = wl.autograd.grad(y.sum(), xs)
    np.testing.assert_allclose(np.asarray(y), exact, rtol=2e-7, atol=2e-7)
    np.testing.assert_allclose(np.asarray(g), slope, rtol=2e-7, atol=2e-7)


def test_gelu_is_one_primitive_each_way():
    x = wl.randn(3, 4, requires_grad=True)
    seen = _primitives_run(lambda: F.gelu(x).sum().backward())
    assert {"Gelu", "GeluGrad"} <= seen and "Erf" not in seen


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(wl.randn(3), approximate="sigmoid")


# --- layer norm -----------------------------------------------------------------------------
AFFINE = ["none", "weight", "bias", "both"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("affine", AFFINE)
@pytest.mark.parametrize("x_shape,norm_shape", [((4, 6, 8), (8,)), ((3, 5, 4), (5, 4)),
                                                ((6, 10), (6, 10)), ((2, 3, 2, 5), (5,))])
def test_layer_norm_equals_composite(dtype, affine, x_shape, norm_shape):
    rng = np.random.default_rng(3)
    shapes = [x_shape] + [norm_shape] * (2 if affine == "both" else affine != "none")
    arrays = _arrays(rng, shapes, dtype, scale=2.0)
    arrays[0] = arrays[0] + 3.0  # an offset the normalisation must remove

    def split(params):
        if affine == "weight":
            return params[0], None
        if affine == "bias":
            return None, params[0]
        return (params + [None, None])[:2]

    def fused(x, *params):
        return F.layer_norm(x, norm_shape, *split(list(params)))

    def composite(x, *params):
        return layer_norm_composite(x, norm_shape, *split(list(params)))

    _same(fused, composite, arrays, dtype)


def test_layer_norm_second_order_equals_composite():
    arrays = _arrays(np.random.default_rng(4), [(3, 5), (5,), (5,)], "float64")
    _same(lambda x, w, b: F.layer_norm(x, (5,), w, b),
          lambda x, w, b: layer_norm_composite(x, (5,), w, b), arrays, "float64", order=2)


def test_layer_norm_forward_mode_equals_reverse_mode():
    """The jvp rules (StandardizeGrad applied to a tangent) against the vjp ones."""
    rng = np.random.default_rng(5)
    x, t, g = (wl.tensor(rng.standard_normal((4, 6))) for _ in range(3))
    _, jt = wl.autograd.jvp(lambda u: F.layer_norm(u, (6,)), [x], [t])
    xr = x.detach().requires_grad_()
    (vg,) = wl.autograd.grad(F.layer_norm(xr, (6,)), [xr], grad_outputs=g)
    np.testing.assert_allclose(np.sum(np.asarray(jt) * np.asarray(g)),
                               np.sum(np.asarray(vg) * np.asarray(t)), rtol=1e-12)


def test_layer_norm_is_one_primitive_each_way():
    x = wl.randn(3, 4, requires_grad=True)
    seen = _primitives_run(lambda: F.layer_norm(x, (4,)).sum().backward())
    assert {"Standardize", "StandardizeGrad"} <= seen and "Rsqrt" not in seen


# --- attention ------------------------------------------------------------------------------
def _keep(rng, shape):
    """A bool mask with at least one True per row (a row of nothing gives zeros either way)."""
    keep = rng.random(shape) < 0.6
    keep[..., 0] = True
    return keep


MASKS = ["none", "causal", "causal_rect", "bool", "bool_broadcast", "float", "float_grad",
         "scale"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mask", MASKS)
def test_sdpa_equals_composite(dtype, mask):
    rng = np.random.default_rng(6)
    b, h, tgt, src, e = 2, 3, 5, (7 if mask == "causal_rect" else 5), 4
    arrays = _arrays(rng, [(b, h, tgt, e), (b, h, src, e), (b, h, src, 6)], dtype)
    kw, extra = {}, ()
    if mask.startswith("causal"):
        kw["is_causal"] = True
    elif mask == "bool":
        extra = (wl.tensor(_keep(rng, (b, h, tgt, src))),)
    elif mask == "bool_broadcast":
        extra = (wl.tensor(_keep(rng, (b, 1, tgt, src))),)
    elif mask == "float":
        extra = (wl.tensor(rng.standard_normal((tgt, src)).astype(dtype)),)
    elif mask == "float_grad":  # the mask is differentiated as the fourth input
        arrays.append(rng.standard_normal((1, h, tgt, src)).astype(dtype))
    elif mask == "scale":
        kw["scale"] = 0.37

    def fused(q, k, v, *m):
        return F.scaled_dot_product_attention(q, k, v, *m, **kw)

    def composite(q, k, v, *m):
        return sdpa_composite(q, k, v, *m, **kw)

    _same(fused, composite, arrays, dtype, extra)


@pytest.mark.parametrize("mask", ["causal", "float_grad"])
def test_sdpa_second_order_equals_composite(mask):
    rng = np.random.default_rng(7)
    arrays = _arrays(rng, [(2, 3, 4), (2, 4, 4), (2, 4, 3)], "float64")
    kw = {"is_causal": True} if mask == "causal" else {}
    if mask == "float_grad":
        arrays.append(rng.standard_normal((3, 4)))
    _same(lambda *a: F.scaled_dot_product_attention(*a, **kw),
          lambda *a: sdpa_composite(*a, **kw), arrays, "float64", order=2)


def test_sdpa_row_with_nothing_to_attend_to_gives_zeros():
    rng = np.random.default_rng(8)
    q, k, v = (wl.tensor(a, requires_grad=True) for a in _arrays(rng, [(3, 4), (5, 4), (5, 2)],
                                                                  "float64"))
    keep = _keep(rng, (3, 5))
    keep[1] = False
    out = F.scaled_dot_product_attention(q, k, v, wl.tensor(keep))
    np.testing.assert_array_equal(np.asarray(out)[1], 0.0)
    grads = wl.autograd.grad(out.sum(), [q, k, v])
    assert all(np.isfinite(np.asarray(g)).all() for g in grads)
    np.testing.assert_array_equal(np.asarray(grads[0])[1], 0.0)


def test_sdpa_is_one_softmax_primitive_each_way():
    q, k, v = (wl.randn(2, 3, 4, requires_grad=True) for _ in range(3))
    seen = _primitives_run(
        lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True).sum().backward())
    assert {"MaskedSoftmax", "SoftmaxGrad"} <= seen
    assert not {"Exp", "Amax", "Where", "Div"} & seen
