"""sparse @ dense against torch.sparse.mm in float64: values and gradients to the dense operand
(S^T G) and to the sparse values (G D^T at the nonzeros, each duplicate its own), every way of
writing the product, dense @ sparse, the shape errors, and SciPy's absence."""
import sys

import numpy as np
import pytest
import torch

import wonderland as wl

from ._pairs import INDICES, SHAPE, close, pair

PRODUCTS = {
    "sparse.mm": wl.sparse.mm, "spmm": wl.spmm, "mm": wl.mm, "matmul": wl.matmul,
    "@": lambda s, d: s @ d, "method": lambda s, d: s.mm(d),
}


@pytest.mark.parametrize("name", PRODUCTS)
def test_product_and_gradients_match_torch_sparse_mm(name):
    s, t, wv, tv = pair()
    dense = np.random.default_rng(2).standard_normal((SHAPE[1], 3))
    wd, td = wl.tensor(dense, requires_grad=True), torch.tensor(dense, requires_grad=True)
    y, ty = PRODUCTS[name](s, wd), torch.sparse.mm(t, td)
    close(y, ty)
    g = np.random.default_rng(3).standard_normal((SHAPE[0], 3))
    y.backward(wl.tensor(g))
    ty.backward(torch.tensor(g))
    close(wd.grad, td.grad)
    close(wv.grad, tv.grad)


def test_dense_times_sparse_and_a_vector():
    s, t, wv, tv = pair()
    a = np.random.default_rng(4).standard_normal((2, SHAPE[0]))
    wa, ta = wl.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = wa @ s, ta @ t
    close(y, ty)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    close(wa.grad, ta.grad)
    close(wv.grad, tv.grad)
    v = np.arange(SHAPE[1], dtype=np.float64)
    close(s @ wl.tensor(v), t @ torch.tensor(v))


def test_second_order_through_the_product():
    """The values' gradient is itself differentiable: with g = ones, grad_values[e] is the sum
    of row cols[e] of d, so d/dd <grad_values, u> puts u[e] on row cols[e] (PyTorch's sparse
    backward does not go to second order, so the formula is the oracle)."""
    s, _, wv, _ = pair()
    wd = wl.tensor(np.random.default_rng(5).standard_normal((SHAPE[1], 2)), requires_grad=True)
    (gv,) = wl.autograd.grad((s @ wd).sum(), [wv], create_graph=True)
    u = np.linspace(-1, 1, len(gv))
    (gd,) = wl.autograd.grad((gv * wl.tensor(u)).sum(), [wd])
    expected = np.zeros((SHAPE[1], 2))
    np.add.at(expected, INDICES[1], u[:, None])
    np.testing.assert_allclose(np.asarray(gd), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fn, shape, match", [
    (wl.sparse.mm, (4, 3), r"sparse.mm: shapes \(4, 5\) \(sparse\) and \(4, 3\) \(dense\)"),
    (wl.matmul, (6,), r"sparse.mm: shapes \(4, 5\) \(sparse\) and \(6,\) \(dense\)"),
    (lambda s, d: d @ s, (3, 5), r"matmul: shapes \(3, 5\) \(dense\) and \(4, 5\) \(sparse\)"),
])
def test_shape_errors_name_the_op_and_shapes(fn, shape, match):
    s, _, _, _ = pair()
    with pytest.raises(ValueError, match=match):
        fn(s, wl.zeros(*shape, dtype=wl.float64))


def test_without_scipy_the_error_says_how_to_install_it(monkeypatch):
    s, _, _, _ = pair()
    monkeypatch.setitem(sys.modules, "scipy.sparse", None)  # what a missing SciPy looks like
    with pytest.raises(ImportError, match="pip install scipy"):
        s @ wl.ones(SHAPE[1], 2, dtype=wl.float64)


def test_a_sparse_leaf_gets_a_sparse_gradient():
    indices, values = np.array([[0, 1, 3], [4, 0, 2]]), np.array([1.0, -2.0, 0.5])
    s = wl.sparse_coo_tensor(indices, values, SHAPE, dtype=wl.float64, requires_grad=True)
    t = torch.sparse_coo_tensor(torch.as_tensor(indices), values, SHAPE, requires_grad=True,
                                check_invariants=True)
    dense = np.random.default_rng(6).standard_normal((SHAPE[1], 2))
    (s @ wl.tensor(dense)).pow(2).sum().backward()
    torch.sparse.mm(t, torch.tensor(dense)).pow(2).sum().backward()
    assert s.requires_grad and s.grad.is_sparse and t.grad.is_sparse and len(s) == len(t)
    close(s.grad.to_dense(), t.grad.to_dense())
