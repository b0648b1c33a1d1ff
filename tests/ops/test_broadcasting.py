"""Property tests: broadcasting in binary ops and where() (values, gradient shapes and the
reduction that undoes broadcasting), clear errors for shapes that cannot broadcast, reductions
over random axes, and reshape/permute round trips, all against NumPy."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wonderland as wl

FUZZ = settings(max_examples=60, deadline=None)
SIZES = st.integers(1, 4)
SEEDS = st.integers(0, 2**32 - 1)

# name in error messages, wonderland function, NumPy function, NumPy cotangents (a, b, g).
# Inputs are drawn in [0.5, 2): positive bases for pow and log, no division by zero, and
# (with probability one) no ties for maximum and minimum.
BINARY = {
    "add": (lambda a, b: a + b, np.add, lambda a, b, g: (g, g)),
    "sub": (wl.sub, np.subtract, lambda a, b, g: (g, -g)),
    "mul": (lambda a, b: a * b, np.multiply, lambda a, b, g: (g * b, g * a)),
    "div": (lambda a, b: a / b, np.divide, lambda a, b, g: (g / b, -g * a / b**2)),
    "pow": (lambda a, b: a ** b, np.power,
            lambda a, b, g: (g * b * a ** (b - 1), g * a**b * np.log(a))),
    "maximum": (wl.maximum, np.maximum, lambda a, b, g: (g * (a > b), g * (b > a))),
    "minimum": (wl.minimum, np.minimum, lambda a, b, g: (g * (a < b), g * (b < a))),
}
# Ops whose errors are checked as well (no gradients): name -> wonderland function.
ERRORS = {name: fn for name, (fn, _, _) in BINARY.items()} | {
    "floor_divide": lambda a, b: a // b, "remainder": lambda a, b: a % b,
    "eq": lambda a, b: a == b, "lt": wl.lt, "logical_and": wl.logical_and,
}


def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum g over the axes that broadcasting added or stretched, giving an array of `shape`."""
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=stretched, keepdims=True)


@st.composite
def broadcastable(draw, count: int = 2):
    """`count` shapes that broadcast together: trailing parts of one shape, some sizes set to 1."""
    full = draw(st.lists(SIZES, max_size=4))
    shapes = []
    for _ in range(count):
        n = draw(st.integers(0, len(full)))
        shapes.append(tuple(1 if draw(st.booleans()) else s for s in full[len(full) - n:]))
    return shapes


@st.composite
def clashing(draw):
    """Two shapes that cannot broadcast: at one aligned position both sizes exceed 1 and differ."""
    a, b = draw(broadcastable())
    ndim = draw(st.integers(1, 4))
    a = (1,) * (ndim - len(a)) + a if len(a) < ndim else a
    pos = draw(st.integers(-min(len(a), ndim), -1))
    m, n = draw(st.permutations([2, 3, 4]))[:2]
    a = a[:len(a) + pos] + (m,) + a[len(a) + pos + 1:]
    b = (1,) * max(0, -pos - len(b)) + b
    b = b[:len(b) + pos] + (n,) + b[len(b) + pos + 1:]
    return a, b


@FUZZ
@given(shapes=broadcastable(), name=st.sampled_from(sorted(BINARY)), seed=SEEDS)
def test_binary_broadcasting_forward_and_gradients(shapes, name, seed):
    fn, np_fn, np_grads = BINARY[name]
    rng = np.random.default_rng(seed)
    a, b = (rng.uniform(0.5, 2.0, s) for s in shapes)
    xa, xb = wl.tensor(a, requires_grad=True), wl.tensor(b, requires_grad=True)
    y = fn(xa, xb)
    expected = np_fn(a, b)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-12, err_msg=name)

    g = rng.standard_normal(expected.shape)
    ga, gb = wl.autograd.grad(y, [xa, xb], grad_outputs=wl.tensor(g))
    assert ga.shape == a.shape and gb.shape == b.shape, (name, shapes, ga.shape, gb.shape)
    full_a, full_b = np.broadcast_arrays(a, b)
    want_a, want_b = np_grads(full_a, full_b, g)
    np.testing.assert_allclose(ga.numpy(), unbroadcast(want_a, a.shape), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gb.numpy(), unbroadcast(want_b, b.shape), rtol=1e-10, atol=1e-12)


@FUZZ
@given(shapes=broadcastable(3), seed=SEEDS)
def test_where_broadcasting_routes_gradients(shapes, seed):
    """Each branch gets the upstream gradient where it was chosen and exactly zero elsewhere,
    even where that upstream gradient is infinite."""
    rng = np.random.default_rng(seed)
    c = rng.random(shapes[0]) < 0.5
    a, b = rng.standard_normal(shapes[1]), rng.standard_normal(shapes[2])
    xa, xb = wl.tensor(a, requires_grad=True), wl.tensor(b, requires_grad=True)
    y = wl.where(wl.tensor(c), xa, xb)
    np.testing.assert_array_equal(y.detach().numpy(), np.where(c, a, b))

    g = rng.standard_normal(y.shape)
    g = np.where(rng.random(y.shape) < 0.2, np.inf, g)
    ga, gb = wl.autograd.grad(y, [xa, xb], grad_outputs=wl.tensor(g))
    cond = np.broadcast_to(c, y.shape)
    np.testing.assert_allclose(ga.numpy(), unbroadcast(np.where(cond, g, 0.0), a.shape))
    np.testing.assert_allclose(gb.numpy(), unbroadcast(np.where(cond, 0.0, g), b.shape))


@FUZZ
@given(shapes=clashing(), name=st.sampled_from(sorted(ERRORS)), swap=st.booleans())
def test_incompatible_shapes_name_the_op_and_both_shapes(shapes, name, swap):
    a_shape, b_shape = shapes[::-1] if swap else shapes
    with pytest.raises(ValueError) as info:
        ERRORS[name](wl.ones(a_shape, dtype=wl.float64), wl.ones(b_shape, dtype=wl.float64))
    message = str(info.value)
    assert message.startswith(f"{name}:"), message
    assert str(a_shape) in message and str(b_shape) in message, message


@FUZZ
@given(shapes=clashing())
def test_where_incompatible_shapes(shapes):
    with pytest.raises(ValueError, match=r"^where:") as info:
        wl.where(wl.ones(shapes[0]) > 0, wl.ones(shapes[1]), 0.0)
    assert str(shapes[0]) in str(info.value) and str(shapes[1]) in str(info.value)


@st.composite
def reduction_case(draw):
    shape = tuple(draw(st.lists(SIZES, max_size=4)))
    if not shape or draw(st.booleans()):
        return shape, None
    dims = draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True))
    return shape, tuple(d - len(shape) if draw(st.booleans()) else d for d in dims)


REDUCTIONS = {
    "sum": (wl.sum, np.sum),
    "mean": (wl.mean, np.mean),
    "amax": (wl.amax, np.amax),
}


@FUZZ
@given(case=reduction_case(), keepdim=st.booleans(), name=st.sampled_from(sorted(REDUCTIONS)),
       seed=SEEDS)
def test_reductions_match_numpy(case, keepdim, name, seed):
    shape, dims = case
    fn, np_fn = REDUCTIONS[name]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)  # continuous values: amax has a unique winner
    xt = wl.tensor(x, requires_grad=True)
    y = fn(xt, dim=dims, keepdim=keepdim)
    expected = np_fn(x, axis=dims, keepdims=keepdim)
    assert y.shape == np.shape(expected), (name, shape, dims, keepdim)
    np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-12, atol=1e-12)

    g = rng.standard_normal(y.shape)
    (gx,) = wl.autograd.grad(y, [xt], grad_outputs=wl.tensor(g))
    kept = np.reshape(g, np_fn(x, axis=dims, keepdims=True).shape)
    if name == "sum":
        want = np.broadcast_to(kept, shape)
    elif name == "mean":
        want = np.broadcast_to(kept, shape) * (np.size(expected) / x.size)
    else:
        want = kept * (x == np.amax(x, axis=dims, keepdims=True))
    np.testing.assert_allclose(gx.numpy(), want, rtol=1e-12, atol=1e-12)


@st.composite
def reshape_case(draw):
    """A shape, a permutation of its axes and a new shape of the same size (maybe with -1)."""
    shape = tuple(draw(st.lists(SIZES, max_size=4)))
    perm = tuple(draw(st.permutations(range(len(shape)))))
    sizes = [n for n in shape if n != 1] + [1] * draw(st.integers(0, 2))
    target = list(draw(st.permutations(sizes)))
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return shape, perm, tuple(target)


@FUZZ
@given(case=reshape_case(), seed=SEEDS)
def test_permute_reshape_round_trips(case, seed):
    shape, perm, target = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    xt = wl.tensor(x, requires_grad=True)
    p = xt.permute(perm)
    np.testing.assert_array_equal(p.detach().numpy(), np.transpose(x, perm))
    r = p.reshape(target)
    expected = np.transpose(x, perm).reshape(target)
    np.testing.assert_array_equal(r.detach().numpy(), expected)

    inverse = tuple(int(i) for i in np.argsort(perm))
    back = r.reshape(p.shape).permute(inverse)
    np.testing.assert_array_equal(back.detach().numpy(), x)

    w = rng.standard_normal(expected.shape)
    (gx,) = wl.autograd.grad((r * wl.tensor(w)).sum(), [xt])
    assert gx.shape == shape
    np.testing.assert_array_equal(gx.numpy(), np.transpose(w.reshape(p.shape), inverse))
