"""Runs every op-spec row through every check: forward against NumPy and PyTorch, vjp and jvp
against central finite differences (float64), the dot-product test, second order (reverse over
reverse and forward over reverse) against finite differences, and gradients against PyTorch.
float16 rows (tests/ops/spec.py) take the checks without finite differences."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.core import REGISTRY
from wonderland.core import primitive as primitive_module

from .specs import ALL_SPECS

EPS = 1e-6


def _rows(keep) -> list:
    """The rows a check applies to, as pytest parameters named after the rows."""
    return [pytest.param(s, id=s.name) for s in ALL_SPECS if keep(s)]


def _differentiable(s) -> bool:
    return bool(s.diff_indices(s.arrays()))


ROWS = _rows(lambda s: True)
NUMPY_ROWS = _rows(lambda s: s.np_fn is not None)
TORCH_ROWS = _rows(lambda s: s.torch_fn is not None)
DIFF_ROWS = _rows(_differentiable)
FD_ROWS = _rows(lambda s: _differentiable(s) and s.finite_differences)
SECOND_ORDER_ROWS = _rows(lambda s: _differentiable(s) and s.finite_differences
                          and s.second_order)


def _like(rng, a) -> np.ndarray:
    """Standard normal draws of a's shape and dtype (a cotangent or a tangent for a)."""
    a = np.asarray(a)
    return rng.standard_normal(a.shape).astype(a.dtype if a.dtype.kind == "f" else np.float64)


def _float64(arrays) -> list[np.ndarray]:
    """The float arrays as float64 (a float16 row's exact reference)."""
    return [a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays]


def _tensors(arrays, diff, requires_grad=True):
    return [wl.tensor(a, requires_grad=requires_grad and i in diff) for i, a in enumerate(arrays)]


def _out(spec, arrays):
    """f evaluated with plain (no grad) tensors, as a float64 NumPy array."""
    with wl.no_grad():
        return np.asarray(spec.fn(*[wl.tensor(a) for a in arrays]))


def _close(actual, expected, spec, what):
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64),
                               np.asarray(expected, dtype=np.float64),
                               rtol=spec.rtol, atol=spec.atol, err_msg=f"{spec.name}: {what}")


def _vjp(spec, arrays, diff, g, create_graph=False):
    xs = _tensors(arrays, diff)
    y = spec.fn(*xs)
    grads = wl.autograd.grad(y, [xs[i] for i in diff], grad_outputs=wl.tensor(g),
                             create_graph=create_graph, allow_unused=True)
    return xs, [np.zeros_like(arrays[i]) if gr is None else gr for i, gr in zip(diff, grads)]


def _jvp(spec, arrays, diff, tangents):
    def f(*dual_inputs):
        full = [wl.tensor(a) for a in arrays]
        for i, d in zip(diff, dual_inputs):
            full[i] = d
        return spec.fn(*full)

    return wl.autograd.jvp(f, [wl.tensor(arrays[i]) for i in diff],
                           [wl.tensor(t) for t in tangents])


def _shifted(arrays, i, delta):
    out = list(arrays)
    out[i] = arrays[i] + delta
    return out


def test_registry_covered():
    """Every registered primitive is proven by at least one row."""
    named = {p for s in ALL_SPECS for p in s.prims}
    missing = sorted(set(REGISTRY) - named)
    assert not missing, f"primitives without an op-spec row: {missing}"
    unknown = sorted(named - set(REGISTRY))
    assert not unknown, f"op-spec rows name primitives that do not exist: {unknown}"


def test_float16_rows_cover_the_registry():
    """Every primitive is proven in float16 too, by a row's twin or a row at float16's extremes:
    all of them take float16 but those that declare float16 = False (linalg's LAPACK routines,
    whose functions refuse it as PyTorch's do; tests/linalg checks that they do)."""
    named = {p for s in ALL_SPECS if s.dtype == np.float16 for p in s.prims}
    missing = sorted(p for p in set(REGISTRY) - named if getattr(REGISTRY[p], "float16", True))
    assert not missing, f"primitives without a float16 op-spec row: {missing}"


def test_every_row_has_an_oracle():
    lonely = [s.name for s in ALL_SPECS if s.np_fn is None and s.torch_fn is None]
    assert not lonely, f"rows with neither a NumPy nor a PyTorch reference: {lonely}"
    names = [s.name for s in ALL_SPECS]
    assert len(names) == len(set(names)), "two op-spec rows share a name"


@pytest.mark.parametrize("spec", ROWS)
def test_row_runs_its_primitives(spec):
    seen = set()
    primitive_module._observers.append(lambda prim, xs: seen.add(prim.name))
    try:
        arrays = spec.arrays()
        diff = spec.diff_indices(arrays)
        if diff:
            xs = _tensors(arrays, diff)
            y = spec.fn(*xs)
            wl.autograd.grad(y, [xs[i] for i in diff], grad_outputs=wl.ones_like(y),
                             allow_unused=True)
        else:
            _out(spec, arrays)
    finally:
        primitive_module._observers.pop()
    assert set(spec.prims) <= seen, f"{spec.name} never ran {set(spec.prims) - seen}"


@pytest.mark.parametrize("spec", NUMPY_ROWS)
def test_forward_numpy(spec):
    arrays = spec.arrays()
    _close(_out(spec, arrays), spec.np_fn(*_float64(arrays)), spec, "forward vs NumPy")


def _torch_oracle(spec, arrays, diff):
    """PyTorch's output tensor and the leaves it was computed from. A float16 row tagged
    float16_oracle="float32" takes PyTorch in float32 on the same values, rounded to float16
    once (_narrow), as wonderland computes it: there PyTorch's own float16 kernel differs
    between CPUs (on one without AVX-512 its convolution rounds partial sums, 3x further from
    the exact gradient than one rounding; with AVX-512 it rounds once)."""
    wide = _wide(spec)
    ts = [torch.tensor(a.astype(np.float32) if wide and a.dtype == np.float16 else a,
                       requires_grad=i in diff) for i, a in enumerate(arrays)]
    return spec.torch_fn(*ts), ts


def _wide(spec) -> bool:
    return spec.dtype == np.float16 and spec.tags.get("float16_oracle") == "float32"


def _narrow(spec, t) -> np.ndarray:
    a = t.detach().numpy()
    return a.astype(np.float16) if _wide(spec) and a.dtype == np.float32 else a


@pytest.mark.parametrize("spec", TORCH_ROWS)
def test_against_torch(spec):
    arrays = spec.arrays()
    diff = spec.diff_indices(arrays)
    ty, ts = _torch_oracle(spec, arrays, diff)
    y = _out(spec, arrays)
    if _wide(spec):  # the dtype PyTorch itself gives for float16 inputs
        dtype = spec.torch_fn(*[torch.tensor(a) for a in arrays]).detach().numpy().dtype
    else:
        dtype = ty.detach().numpy().dtype
    assert y.dtype == dtype, f"{spec.name}: dtype {y.dtype} vs {dtype}"
    _close(y, _narrow(spec, ty), spec, "forward vs PyTorch")
    if not diff:
        return
    g = _like(np.random.default_rng(1), y)
    tgrads = torch.autograd.grad(ty, [ts[i] for i in diff], torch.tensor(g).to(ty.dtype),
                                 allow_unused=True)
    _, grads = _vjp(spec, arrays, diff, g)
    for i, a, b in zip(diff, grads, tgrads):
        _close(a, np.zeros(arrays[i].shape) if b is None else _narrow(spec, b), spec,
               f"vjp vs PyTorch, input {i}")


def _inputs(spec):
    arrays = spec.arrays()
    return arrays, spec.diff_indices(arrays)


@pytest.mark.parametrize("spec", FD_ROWS)
def test_vjp_finite_differences(spec):
    arrays, diff = _inputs(spec)
    y = _out(spec, arrays)
    g = np.random.default_rng(2).standard_normal(y.shape)
    _, grads = _vjp(spec, arrays, diff, g)
    for i, gr in zip(diff, grads):
        numeric = np.zeros(arrays[i].shape)
        for k in np.ndindex(arrays[i].shape):
            e = np.zeros(arrays[i].shape)
            e[k] = EPS
            up = _out(spec, _shifted(arrays, i, e))
            down = _out(spec, _shifted(arrays, i, -e))
            numeric[k] = np.sum(g * (up - down)) / (2 * EPS)
        _close(gr, numeric, spec, f"vjp vs finite differences, input {i}")


@pytest.mark.parametrize("spec", FD_ROWS)
def test_jvp_finite_differences(spec):
    arrays, diff = _inputs(spec)
    rng = np.random.default_rng(3)
    tangents = [rng.standard_normal(arrays[i].shape) for i in diff]
    up, down = list(arrays), list(arrays)
    for i, t in zip(diff, tangents):
        up[i], down[i] = arrays[i] + EPS * t, arrays[i] - EPS * t
    numeric = (_out(spec, up) - _out(spec, down)) / (2 * EPS)
    y, ty = _jvp(spec, arrays, diff, tangents)
    _close(y, _out(spec, arrays), spec, "jvp primal output")
    _close(ty, numeric, spec, "jvp vs finite differences")


@pytest.mark.parametrize("spec", DIFF_ROWS)
def test_dot_product(spec):
    """<g, J t> == <J^T g, t>: the two modes agree with each other exactly (up to rounding)."""
    arrays, diff = _inputs(spec)
    rng = np.random.default_rng(4)
    tangents = [_like(rng, arrays[i]) for i in diff]
    _, ty = _jvp(spec, arrays, diff, tangents)
    g = _like(rng, ty)
    _, grads = _vjp(spec, arrays, diff, g)
    lhs = np.asarray(g, np.float64) * np.asarray(ty, np.float64)
    rhs = [np.asarray(gr, np.float64) * np.asarray(t, np.float64)
           for gr, t in zip(grads, tangents)]
    rtol, atol = (1e-9 if spec.finite_differences else spec.rtol), 1e-9  # low precision rounds
    if spec.dtype == np.float16:  # each term rounds: the error scales with their magnitudes
        atol = spec.rtol * (np.abs(lhs).sum() + sum(np.abs(r).sum() for r in rhs))
    np.testing.assert_allclose(lhs.sum(), sum(r.sum() for r in rhs), rtol=rtol, atol=atol,
                               err_msg=spec.name)


@pytest.mark.parametrize("spec", SECOND_ORDER_ROWS)
def test_second_order(spec):
    """S(x) = <grad_x <g, f(x)>, v>: its derivative along t by reverse-over-reverse and by
    forward-over-reverse both match finite differences of S."""
    arrays, diff = _inputs(spec)
    rng = np.random.default_rng(5)
    y = _out(spec, arrays)
    g = rng.standard_normal(y.shape)
    vs = [rng.standard_normal(arrays[i].shape) for i in diff]
    ts = [rng.standard_normal(arrays[i].shape) for i in diff]

    def s_value(arrs):
        _, grads = _vjp(spec, arrs, diff, g)
        return sum(np.sum(np.asarray(gr) * v) for gr, v in zip(grads, vs))

    up, down = list(arrays), list(arrays)
    for i, t in zip(diff, ts):
        up[i], down[i] = arrays[i] + EPS * t, arrays[i] - EPS * t
    numeric = (s_value(up) - s_value(down)) / (2 * EPS)

    # reverse over reverse
    xs, grads = _vjp(spec, arrays, diff, g, create_graph=True)
    s = None
    for gr, v in zip(grads, vs):
        if isinstance(gr, wl.Tensor) and gr.requires_grad:
            term = (gr * wl.tensor(v)).sum()
            s = term if s is None else s + term
    if s is None:
        rev = 0.0  # every first derivative is constant: the second derivative is zero
    else:
        hs = wl.autograd.grad(s, [xs[i] for i in diff], allow_unused=True)
        rev = sum(0.0 if h is None else np.sum(np.asarray(h) * t) for h, t in zip(hs, ts))
    np.testing.assert_allclose(rev, numeric, rtol=1e-4, atol=1e-5,
                               err_msg=f"{spec.name}: reverse over reverse")

    # forward over reverse: jvp of the gradient function along t
    def gradient(*duals):
        full = [wl.tensor(a) for a in arrays]
        for i, d in zip(diff, duals):
            full[i] = d.requires_grad_()
        y = spec.fn(*full)
        return wl.autograd.grad(y, [full[i] for i in diff], grad_outputs=wl.tensor(g),
                                materialize_grads=True)

    _, hts = wl.autograd.jvp(gradient, [wl.tensor(arrays[i]) for i in diff],
                             [wl.tensor(t) for t in ts])
    fwd = sum(np.sum(np.asarray(h) * v) for h, v in zip(hts, vs))
    np.testing.assert_allclose(fwd, numeric, rtol=1e-4, atol=1e-5,
                               err_msg=f"{spec.name}: forward over reverse")
