"""wl.einsum against torch.einsum: values and the gradient of every operand for many subscript
patterns (float64, random cotangent), second order through create_graph, and error messages."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import wonderland as wl

PATTERNS = [
    ("ij,jk->ik", [(3, 4), (4, 2)]),  # matrix product
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),  # batched product
    ("ij,jk", [(2, 3), (3, 4)]),  # implicit output
    ("ij", [(3, 4)]),  # implicit: identity
    ("ji", [(3, 4)]),  # implicit: letters sorted, so a transpose
    ("i,i", [(5,), (5,)]),  # implicit: dot product
    ("ii", [(3, 3)]),  # implicit: trace
    ("i,j->ij", [(3,), (4,)]),  # outer product
    ("ij->ji", [(3, 4)]),  # transpose
    ("ijk->kij", [(2, 3, 4)]),
    ("ii->", [(4, 4)]),  # trace
    ("ii->i", [(3, 3)]),  # diagonal
    ("iij->ij", [(3, 3, 2)]),
    ("iji->j", [(3, 2, 3)]),
    ("iii->i", [(2, 2, 2)]),
    ("ij->", [(3, 4)]),  # sum
    ("ij->i", [(3, 4)]),  # row sums
    ("i->", [(6,)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),  # ellipsis with broadcast batch dims
    ("...i->...", [(2, 3, 4)]),
    ("i...->...", [(2, 3, 4)]),
    ("ij...,jk...->ik...", [(2, 3, 2), (3, 2, 1)]),
    ("...,...->...", [(2, 3), (3,)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 2), (2, 2)]),  # bilinear
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),  # three operands
    ("i,ij,jk,k->", [(3,), (3, 4), (4, 2), (2,)]),  # four operands
    ("ab,bc,cd,de->ae", [(2, 3), (3, 2), (2, 3), (3, 2)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),  # Hadamard
    ("i,i,i->i", [(4,), (4,), (4,)]),
    ("bi,bi->b", [(3, 4), (3, 4)]),  # batched dot
    ("ij,j->i", [(3, 4), (4,)]),  # matrix-vector
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 2), (2, 2, 4, 2)]),  # attention scores
    ("iij,k->k", [(2, 2, 3), (4,)]),  # a repeated letter, and a letter one operand has alone
    ("ij,k->", [(2, 3), (4,)]),
    ("ij,kj->ikj", [(3, 1), (2, 4)]),  # size-1 broadcast on the named letter j
    ("ij,ij->i", [(1, 4), (3, 4)]),  # size-1 broadcast on i
    ("Ab,bC->AC", [(2, 3), (3, 4)]),  # upper-case letters
    (" ij , jk -> ik ", [(2, 3), (3, 2)]),  # spaces
]


def _draw(shapes, seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def _both(eq, arrays, create_graph=False):
    """Values and gradients (random cotangent) from wonderland and from PyTorch."""
    xs = [wl.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = wl.einsum(eq, *xs), torch.einsum(eq, *ts)
    g = np.random.default_rng(99).standard_normal(tuple(ty.shape))
    grads = wl.autograd.grad(y, xs, grad_outputs=wl.tensor(g), create_graph=create_graph)
    tgrads = torch.autograd.grad(ty, ts, torch.tensor(g), create_graph=create_graph)
    return (xs, y, grads), (ts, ty, tgrads)


def _np(x):
    return x.detach().numpy()


def test_pattern_count():
    assert len({eq.replace(" ", "") for eq, _ in PATTERNS}) >= 25


@pytest.mark.parametrize("eq,shapes", PATTERNS, ids=[p[0] for p in PATTERNS])
def test_values_and_gradients(eq, shapes):
    arrays = _draw(shapes, seed=len(eq))
    (_, y, grads), (_, ty, tgrads) = _both(eq, arrays)
    assert y.shape == tuple(ty.shape)
    assert y.dtype is wl.float64
    np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-10, atol=1e-12)
    assert len(grads) == len(arrays)
    for k, (gr, tg) in enumerate(zip(grads, tgrads)):
        assert gr.shape == arrays[k].shape, f"operand {k}"
        np.testing.assert_allclose(_np(gr), _np(tg), rtol=1e-10, atol=1e-12,
                                   err_msg=f"{eq}: gradient of operand {k}")


def test_operand_used_twice():
    a = np.random.default_rng(0).standard_normal((3, 4))
    x = wl.tensor(a, requires_grad=True)
    y = wl.einsum("ij,ij->", x, x)
    np.testing.assert_allclose(y.item(), np.sum(a * a), rtol=1e-12)
    y.backward()
    np.testing.assert_allclose(_np(x.grad), 2 * a, rtol=1e-12)
    t = torch.tensor(a, requires_grad=True)
    torch.einsum("ij,ij->", t, t).backward()
    np.testing.assert_allclose(_np(x.grad), _np(t.grad), rtol=1e-12)


def test_list_of_operands_and_int_promotion():
    a = np.arange(6).reshape(2, 3)
    b = np.random.default_rng(1).standard_normal(3)
    y = wl.einsum("ij,j->i", [wl.tensor(a), wl.tensor(b)])
    np.testing.assert_allclose(_np(y), a @ b, rtol=1e-12)
    ints = wl.einsum("ij,kj->ik", wl.tensor(a), wl.tensor(a))
    assert ints.dtype is wl.int64
    np.testing.assert_array_equal(_np(ints), a @ a.T)


SECOND_ORDER = [
    ("ij,jk->ik", [(3, 4), (4, 2)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 2), (2, 2)]),
    ("iij,k->k", [(2, 2, 3), (4,)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("ij,ij->ij", [(1, 4), (3, 4)]),
    ("ii->i", [(3, 3)]),  # linear: its second derivative is zero
]


@pytest.mark.parametrize("eq,shapes", SECOND_ORDER, ids=[p[0] for p in SECOND_ORDER])
def test_second_order_against_torch(eq, shapes):
    arrays = _draw(shapes, seed=7)
    (xs, _, grads), (ts, _, tgrads) = _both(eq, arrays, create_graph=True)
    vs = _draw(shapes, seed=8)
    s = sum((gr * wl.tensor(v)).sum() for gr, v in zip(grads, vs))
    ts_s = sum((tg * torch.tensor(v)).sum() for tg, v in zip(tgrads, vs))
    if isinstance(s, wl.Tensor) and s.requires_grad:
        hs = wl.autograd.grad(s, xs, allow_unused=True)
    else:
        hs = [None] * len(xs)
    ths = (torch.autograd.grad(ts_s, ts, allow_unused=True) if ts_s.requires_grad
           else [None] * len(ts))
    for k, (h, th) in enumerate(zip(hs, ths)):
        want = np.zeros(shapes[k]) if th is None else _np(th)
        got = np.zeros(shapes[k]) if h is None else _np(h)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12,
                                   err_msg=f"{eq}: second derivative, operand {k}")
    if len(shapes) > 1:  # multilinear in at least two operands: not all zero
        assert any(h is not None and np.abs(_np(h)).max() > 0 for h in hs)


def test_forward_over_reverse_matches_torch():
    a, b = _draw([(3, 4), (4, 2)], seed=3)
    ta, tb = _draw([(3, 4), (4, 2)], seed=4)
    g = np.random.default_rng(5).standard_normal((3, 2))

    def grad_a(x, y):
        x = x.requires_grad_()
        return wl.autograd.grad(wl.einsum("ij,jk->ik", x, y), [x], grad_outputs=wl.tensor(g))[0]

    _, tangent = wl.autograd.jvp(grad_a, [wl.tensor(a), wl.tensor(b)],
                                 [wl.tensor(ta), wl.tensor(tb)])
    np.testing.assert_allclose(_np(tangent), g @ tb.T, rtol=1e-12)  # d(g b^T) = g db^T


@pytest.mark.parametrize("eq,shapes,match", [
    ("ij,jk->ik", [(2, 3)], "names 2 operands, got 1"),
    ("ij->ij", [(2, 3), (3, 2)], "names 1 operands, got 2"),
    ("ijk->i", [(2, 3)], "operand 0 has 2 dimensions"),
    ("ij,j->i", [(2, 3), (3, 1)], "operand 1 has 2 dimensions"),
    ("i...j->i", [(2,)], "too few dimensions"),
    ("ij->k", [(2, 3)], r"\['k'\] appear in no operand"),
    ("ij->ii", [(2, 3)], "output subscript repeated"),
    ("i1,jk->ik", [(2, 3), (3, 2)], r"invalid subscript characters \['1'\]"),
    ("ij..,jk->ik", [(2, 3), (3, 2)], "malformed ellipsis"),
    ("ii->i", [(2, 3)], "'i' repeats in operand 0 with different sizes"),
])
def test_errors(eq, shapes, match):
    xs = [wl.tensor(a) for a in _draw(shapes, seed=0)]
    with pytest.raises(ValueError, match=match):
        wl.einsum(eq, *xs)


def test_size_clash_names_letter_and_sizes():
    a, b = wl.randn(3, 4), wl.randn(5, 2)
    with pytest.raises(ValueError) as info:
        wl.einsum("ij,jk->ik", a, b)
    msg = str(info.value)
    assert "'j' has size 4 in operand 0 and 5 in operand 1" in msg


def test_no_operands():
    with pytest.raises(ValueError, match="at least one operand"):
        wl.einsum("ij->ij")
