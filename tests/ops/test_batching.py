"""Every primitive's batching rule, driven by the op-spec table: vmap(f) over a batch equals f
applied to each example, with batch dimensions in front, at the back, and mixed with unbatched
inputs; and vmap of the gradient (per-example gradients) equals a loop of gradients."""
from __future__ import annotations

import numpy as np
import pytest

import wonderland as wl
from wonderland.autodiff.vmap import vmap

from .specs import ALL_SPECS

B = 3


def _examples(spec):
    """B input sets; an input that is the same in every set (a constant key, mask or index
    array) stays unbatched."""
    sets = [spec.arrays(seed=k) for k in range(B)]
    varies = [any(not np.array_equal(s[i], sets[0][i]) for s in sets) for i in range(len(sets[0]))]
    return sets, varies


def _batched_inputs(sets, varies, layout):
    args, axes = [], []
    for i, vary in enumerate(varies):
        if not vary:
            args.append(wl.tensor(sets[0][i]))
            axes.append(None)
            continue
        axis = 0 if layout == "front" or i % 2 == 0 else sets[0][i].ndim  # the last position
        args.append(wl.tensor(np.stack([s[i] for s in sets], axis=axis)))
        axes.append(axis)
    return args, axes


def _batchable(spec) -> bool:
    sets, varies = _examples(spec)
    return any(varies)


ROWS = [pytest.param(s, id=s.name) for s in ALL_SPECS if _batchable(s)]


def _tolerance(spec, rtol: float = 1e-12) -> dict:
    """Exact up to float64 rounding; a float16 row may round once more where a batching rule
    splits a fused reduction (a mean as per-example losses, then their sum)."""
    if spec.dtype == np.float16:
        return {"rtol": spec.rtol, "atol": spec.atol}
    return {"rtol": rtol, "atol": 1e-12}


def _loop(f, sets, varies):
    outs = [np.asarray(f(*[wl.tensor(a) for a in s])) for s in sets]
    return np.stack(outs)


@pytest.mark.parametrize("layout", ["front", "mixed"])
@pytest.mark.parametrize("spec", ROWS)
def test_vmap_matches_a_loop(spec, layout):
    sets, varies = _examples(spec)
    args, axes = _batched_inputs(sets, varies, layout)
    with wl.no_grad():
        want = _loop(spec.fn, sets, varies)
        out_axis = -1 if layout == "mixed" else 0
        got = vmap(spec.fn, in_axes=tuple(axes), out_axes=out_axis)(*args)
    np.testing.assert_allclose(np.moveaxis(np.asarray(got), out_axis, 0), want,
                               err_msg=spec.name, **_tolerance(spec))


DIFF_ROWS = [pytest.param(s, id=s.name) for s in ALL_SPECS
             if _batchable(s) and s.diff_indices(s.arrays())]


@pytest.mark.parametrize("spec", DIFF_ROWS)
def test_vmap_of_gradient_matches_a_loop(spec):
    sets, varies = _examples(spec)
    diff = spec.diff_indices(sets[0])
    g = np.random.default_rng(7).standard_normal(np.shape(_loop(spec.fn, sets[:1], varies)[0]))

    def gradients(*xs):
        xs = [x.detach().requires_grad_() if i in diff else x for i, x in enumerate(xs)]
        y = spec.fn(*xs)
        return wl.autograd.grad(y, [xs[i] for i in diff], grad_outputs=wl.tensor(g),
                                materialize_grads=True)

    args, axes = _batched_inputs(sets, varies, "mixed")
    got = vmap(gradients, in_axes=tuple(axes))(*args)
    for k, s in enumerate(sets):
        want = gradients(*[wl.tensor(a) for a in s])
        for i, (a, b) in enumerate(zip(got, want)):
            np.testing.assert_allclose(np.asarray(a)[k], np.asarray(b),
                                       err_msg=f"{spec.name}: example {k}, input {diff[i]}",
                                       **_tolerance(spec, rtol=1e-10))
