"""The fused primitives behind F.linear and F.cross_entropy against the composites they replace:
values, gradients and second derivatives, in float32 and float64."""
from __future__ import annotations

import numpy as np
import pytest

import wonderland as wl
from wonderland.functional import losses
from wonderland.nn import functional as F

TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-12, atol=1e-12)}


def _grads(f, *xs):
    """f's value, its gradients, and the gradients of the squared norm of those gradients
    (a second derivative), as NumPy arrays."""
    y = f(*xs)
    first = wl.autograd.grad(y.sum(), xs, create_graph=True)
    second = wl.autograd.grad(sum((g * g).sum() for g in first), xs, materialize_grads=True)
    return [y.detach().numpy()] + [g.detach().numpy() for g in first + second]


def _compare(fused, composite, arrays, dtype):
    def run(f):
        return _grads(f, *[wl.tensor(a, dtype=dtype, requires_grad=True) for a in arrays])
    for a, b in zip(run(fused), run(composite)):
        np.testing.assert_allclose(a, b, **TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(7,), (5, 7), (2, 3, 7)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_the_composite(shape, bias, dtype):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape), rng.standard_normal((4, 7))]
    arrays += [rng.standard_normal(4)] if bias else []

    def composite(x, w, b=None):
        y = x @ w.t()
        return y if b is None else y + b
    _compare(F.linear, composite, arrays, dtype)


def test_linear_runs_one_affine_primitive():
    from wonderland.core import primitive

    seen = []
    primitive._observers.append(lambda prim, xs: seen.append(prim.name))
    try:
        F.linear(wl.randn(2, 3, 4), wl.randn(5, 4), wl.randn(5))
    finally:
        primitive._observers.pop()
    assert seen == ["Affine"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ignore_index", [-100, 1])
def test_cross_entropy_matches_the_composite(reduction, ignore_index, dtype):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((9, 4)) * 3
    target = wl.tensor(rng.integers(0, 4, 9))

    def composite(logits):
        logp = losses._log_softmax(logits, 1)
        return losses._indexed_loss(logp, target, None, 1, ignore_index, reduction, 0.0)
    _compare(lambda logits: F.cross_entropy(logits, target, ignore_index=ignore_index,
                                            reduction=reduction), composite, [x], dtype)


def test_cross_entropy_is_finite_for_large_logits():
    x = wl.tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4]], requires_grad=True)
    loss = F.cross_entropy(x, wl.tensor([1, 2]))
    loss.backward()
    np.testing.assert_allclose(loss.item(), 1e4, rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-6)


def test_cross_entropy_of_only_ignored_rows_is_nan_as_in_pytorch():
    x = wl.randn(2, 3, requires_grad=True)
    assert np.isnan(F.cross_entropy(x, wl.tensor([-100, -100])).item())


def test_cross_entropy_under_vmap_matches_a_loop():
    rng = np.random.default_rng(2)
    xs = wl.tensor(rng.standard_normal((3, 5, 4)))
    ts = wl.tensor(rng.integers(0, 4, (3, 5)))
    ts = wl.tensor(np.where(rng.random((3, 5)) < 0.3, -100, ts.numpy()))
    got = wl.func.vmap(lambda x, t: F.cross_entropy(x, t))(xs, ts)
    want = [F.cross_entropy(xs[i], ts[i]).item() for i in range(3)]
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)
