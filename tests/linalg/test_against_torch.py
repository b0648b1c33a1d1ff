"""wl.linalg against torch.linalg in float64 where the op-spec table (tests/ops/specs/
linalg_decompositions.py) does not reach: how norm chooses between vector and matrix norms,
the factorisations' modes and shapes, singular and negative determinants, the upper triangle of
eigh, rank-deficient pseudo-inverses and least squares, and the Tensor methods' older
signatures."""
import math

import numpy as np
import pytest
import torch

import wonderland as wl

L = wl.linalg
RNG = np.random.default_rng(0)


def _pair(*shape):
    a = RNG.standard_normal(shape)
    return wl.tensor(a), torch.tensor(a)


def _close(ours, theirs, **kw):
    np.testing.assert_allclose(np.asarray(ours), theirs.detach().numpy(), rtol=1e-10,
                               atol=1e-12, **kw)
    assert np.asarray(ours).shape == tuple(theirs.shape)


@pytest.mark.parametrize("shape, kwargs", [
    ((5,), {}), ((3, 4), {}), ((2, 3, 4), {}), ((3, 4), {"ord": 1}), ((3, 4), {"ord": -1}),
    ((3, 4), {"ord": math.inf}), ((3, 4), {"ord": 2}), ((3, 4), {"ord": -2}),
    ((3, 4), {"ord": "fro"}), ((3, 4), {"ord": "nuc"}), ((5,), {"ord": 3}), ((5,), {"ord": 0}),
    ((2, 3, 4), {"dim": 1}), ((2, 3, 4), {"dim": (0, 2)}), ((2, 3, 4), {"ord": 1, "dim": (2, 1)}),
    ((2, 3, 4), {"ord": 0.5, "dim": -1, "keepdim": True}),
    ((2, 3, 4), {"ord": "nuc", "dim": (0, 1), "keepdim": True}),
])
def test_norm_picks_the_vector_or_matrix_norm_as_pytorch(shape, kwargs):
    x, tx = _pair(*shape)
    _close(L.norm(x, **kwargs), torch.linalg.norm(tx, **kwargs))


@pytest.mark.parametrize("kwargs", [{}, {"p": 1}, {"p": 3, "dim": 0}, {"p": "fro", "dim": (0, 1)},
                                    {"p": 2, "dim": (1, 2), "keepdim": True}, {"p": math.inf},
                                    {"p": "nuc", "dim": (1, 2)}])
def test_tensor_norm_is_the_older_torch_norm(kwargs):
    """Tensor.norm (torch.norm): a number p is a vector norm even over two dims."""
    x, tx = _pair(2, 3, 4)
    _close(x.norm(**kwargs), tx.norm(**kwargs))


def test_vector_norm_at_zero_has_slope_zero_and_clipping_uses_it():
    x = wl.zeros(2, 3, dtype=wl.float64, requires_grad=True)
    (g,) = wl.autograd.grad(L.vector_norm(x, 3), x)
    assert np.array_equal(np.asarray(g), np.zeros((2, 3)))
    from wonderland.nn.utils import clip_grad

    assert clip_grad.vector_norm is L.vector_norm  # one p-norm for both


def test_vector_norm_in_float16_sums_in_float32_as_pytorch():
    a = RNG.uniform(200, 300, (64,)).astype(np.float16)  # squares sum past float16's 65504
    ours = L.vector_norm(wl.tensor(a))
    theirs = torch.linalg.vector_norm(torch.tensor(a))
    assert ours.dtype == wl.float16
    np.testing.assert_allclose(float(ours), float(theirs), rtol=1e-3)


def test_negative_ord_with_a_zero_entry_is_zero_without_warnings():
    x, tx = _pair(2, 3)
    x, tx = x * wl.tensor([1.0, 0.0, 1.0], dtype=wl.float64), tx * torch.tensor([1.0, 0.0, 1.0])
    _close(L.vector_norm(x, -1.5, dim=1), torch.linalg.vector_norm(tx, -1.5, dim=1))


def test_vector_norm_dtype_argument():
    x, tx = _pair(3, 4)
    x, tx = x.float(), tx.float()
    _close(L.vector_norm(x, dtype=wl.float64), torch.linalg.vector_norm(tx, dtype=torch.float64))


@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
def test_qr_modes_as_pytorch(mode, shape):
    a, ta = _pair(*shape)
    q, r = L.qr(a, mode=mode)
    tq, tr = torch.linalg.qr(ta, mode=mode)
    _close(q, tq)
    _close(r, tr)


@pytest.mark.parametrize("full", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
def test_svd_shapes_and_reconstruction(full, shape):
    a, ta = _pair(*shape)
    u, s, vh = L.svd(a, full_matrices=full)
    tu, ts, tvh = torch.linalg.svd(ta, full_matrices=full)
    assert (u.shape, s.shape, vh.shape) == (tuple(tu.shape), tuple(ts.shape), tuple(tvh.shape))
    _close(s, ts)
    k = s.shape[-1]
    _close(u[..., :k] @ (s.unsqueeze(-1) * vh[..., :k, :]), ta)


def test_tensor_svd_and_qr_keep_the_older_signatures():
    a, ta = _pair(4, 3)
    u, s, v = a.svd()
    tu, ts, tv = ta.svd()
    _close(u @ v.mT, tu @ tv.mT)  # V, not Vh
    _close(s, ts)
    q, r = a.qr(some=False)
    tq, tr = torch.linalg.qr(ta, "complete")  # = ta.qr(some=False), which warns it is old
    _close(q, tq)
    _close(r, tr)


def test_determinants_of_singular_and_negative_matrices():
    singular = torch.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=torch.float64)
    sign, logabs = L.slogdet(wl.tensor(singular.numpy()))
    tsign, tlogabs = torch.linalg.slogdet(singular)
    _close(sign, tsign)
    _close(logabs, tlogabs)
    _close(L.det(wl.tensor(singular.numpy())), torch.linalg.det(singular))
    flipped = -torch.eye(3, dtype=torch.float64)
    _close(wl.logdet(wl.tensor(flipped.numpy())), torch.logdet(flipped))
    _close(L.det(wl.tensor(flipped.numpy())), torch.linalg.det(flipped))


def test_det_gradient_at_a_singular_matrix_is_the_cofactor_matrix():
    """d det(A) / dA is A's cofactor matrix, nonzero at a rank-2 3x3 matrix. The reference is
    the cofactors themselves (signed 2x2 minors): PyTorch's own gradient here depends on the
    CPU's LAPACK path (the cofactors on one machine, zeros on an AVX2-only one)."""
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])  # rank 2
    x = wl.tensor(a, requires_grad=True)
    (g,) = wl.autograd.grad(L.det(x), x)
    cofactors = np.array([[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, 0), j, 1))
                           for j in range(3)] for i in range(3)])
    assert np.abs(cofactors).max() > 1  # nonzero: the test can tell them from zeros
    np.testing.assert_allclose(g.numpy(), cofactors, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_reads_one_triangle_as_pytorch(uplo):
    a, ta = _pair(4, 4)  # not symmetric: only the named triangle counts
    _close(L.eigvalsh(a, UPLO=uplo), torch.linalg.eigvalsh(ta, UPLO=uplo))
    values, vectors = L.eigh(a, UPLO=uplo)
    tvalues, tvectors = torch.linalg.eigh(ta, UPLO=uplo)
    _close(vectors * vectors[..., :1, :], tvectors * tvectors[..., :1, :])


def test_pinv_and_lstsq_of_a_rank_deficient_matrix():
    a = RNG.standard_normal((5, 3))
    a[:, 2] = a[:, 0] + a[:, 1]
    b = RNG.standard_normal((5, 2))
    _close(L.pinv(wl.tensor(a)), torch.linalg.pinv(torch.tensor(a)))
    ours = L.lstsq(wl.tensor(a), wl.tensor(b))
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver="gelsd")
    _close(ours.solution, theirs.solution)
    assert int(ours.rank) == int(theirs.rank) == 2


def test_batched_decompositions_under_vmap_match_a_loop():
    from wonderland.autodiff.vmap import vmap

    a = RNG.standard_normal((3, 4, 4)) + 4 * np.eye(4)
    f = lambda m: L.inv(m) + L.matrix_exp(m / 4) + L.pinv(m)  # noqa: E731
    batched = vmap(f)(wl.tensor(a))
    looped = np.stack([np.asarray(f(wl.tensor(m))) for m in a])
    np.testing.assert_allclose(np.asarray(batched), looped, rtol=1e-12, atol=1e-12)


def test_public_names():
    assert wl.linalg.__name__ == "wonderland.linalg" and "linalg" in wl.__all__
    assert wl.logdet is wl.linalg.logdet and "logdet" in wl.__all__


def test_torch_namespace_functions():
    """torch.det, torch.inverse, torch.cholesky, torch.svd, torch.qr, torch.norm as wl.*"""
    a, ta = _pair(3, 3)
    spd, tspd = a @ a.mT + 3 * wl.eye(3, dtype=wl.float64), ta @ ta.mT + 3 * torch.eye(3)
    _close(wl.det(a), torch.det(ta))
    _close(wl.inverse(a), torch.inverse(ta))
    _close(wl.cholesky(spd), torch.linalg.cholesky(tspd))  # = torch.cholesky, which warns
    u, s, v = wl.svd(a)
    tu, ts, tv = torch.svd(ta)
    _close(u @ v.mT, tu @ tv.mT)
    _close(wl.qr(a)[1], torch.linalg.qr(ta)[1])  # = torch.qr, which warns
    _close(wl.norm(a, p=1, dim=1), torch.norm(ta, p=1, dim=1))


@pytest.mark.parametrize("name, fn, tfn, make", [
    ("eigvalsh of a repeated eigenvalue", L.eigvalsh, torch.linalg.eigvalsh,
     lambda: np.diag([1.0, 2.0, 2.0, 3.0])),
    ("eigh's values alone", lambda a: L.eigh(a)[0], lambda a: torch.linalg.eigh(a)[0],
     lambda: np.eye(3)),
    ("svdvals of an orthogonal matrix", L.svdvals, torch.linalg.svdvals,
     lambda: np.linalg.qr(RNG.standard_normal((3, 3)))[0]),
    ("svdvals of a rank-deficient tall matrix", L.svdvals, torch.linalg.svdvals,
     lambda: np.array([[1.0, 0.0], [0.0, 0.0], [2.0, 0.0]])),  # singular values sqrt(5), 0
    ("nuclear norm of the identity", lambda a: L.matrix_norm(a, "nuc"),
     lambda a: torch.linalg.matrix_norm(a, "nuc"), lambda: np.eye(3)),
])
def test_gradients_through_values_alone_at_ties_and_zeros(name, fn, tfn, make):
    """Symmetric functions of eigenvalues or singular values (here their sum) have derivatives
    at ties and at zero, where the vectors have none; the unused vectors' rules must not turn
    them into nan (0 * inf)."""
    a = make()
    x, tx = wl.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    g = np.ones(np.asarray(fn(wl.tensor(a))).shape)
    (ours,) = wl.autograd.grad(fn(x), x, grad_outputs=wl.tensor(g))
    (theirs,) = torch.autograd.grad(tfn(tx), tx, torch.tensor(g))
    np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), rtol=1e-10, atol=1e-12,
                               err_msg=name)


@pytest.mark.parametrize("n", [0, 1, 2, 7, -1, -3])
def test_matrix_power_as_pytorch(n):
    a, ta = _pair(2, 3, 3)
    a, ta = a + 3 * wl.eye(3, dtype=wl.float64), ta + 3 * torch.eye(3)
    _close(L.matrix_power(a, n), torch.linalg.matrix_power(ta, n))


def test_matrix_rank_as_pytorch():
    a = RNG.standard_normal((2, 5, 4))
    a[0, :, 3] = a[0, :, 0] - a[0, :, 1]
    ours = L.matrix_rank(wl.tensor(a))
    theirs = torch.linalg.matrix_rank(torch.tensor(a))
    assert ours.dtype == wl.int64 and np.asarray(ours).tolist() == theirs.tolist() == [3, 4]


def test_multi_dot_of_matrices_as_pytorch():
    shapes = [(10, 2), (2, 30), (30, 3), (3, 4)]
    pairs = [_pair(*s) for s in shapes]
    _close(L.multi_dot([p[0] for p in pairs]), torch.linalg.multi_dot([p[1] for p in pairs]))


@pytest.mark.parametrize("shape", [(4, 3), (3, 4)])
def test_full_svd_gradient_leaves_the_extra_vectors_out_as_pytorch(shape):
    a = RNG.standard_normal(shape)
    x, tx = wl.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    f = lambda u, s, vh: (u.sum(0) * u[0]).sum() + s.sum() + (vh[:, 0] * vh[:, 1]).sum()  # noqa
    (ours,) = wl.autograd.grad(f(*L.svd(x)), x)
    (theirs,) = torch.autograd.grad(f(*torch.linalg.svd(tx)), tx)
    _close(ours, theirs)


def test_cross_as_torch_cross_with_and_without_dim():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    wa, wb = wl.tensor(a, requires_grad=True), wl.tensor(b)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b)
    with pytest.warns(UserWarning, match="without specifying the dim"):
        ours = wl.cross(wa, wb)  # the first dimension of size 3, as torch.cross
    with pytest.warns(UserWarning, match="without specifying the dim"):
        theirs = torch.cross(ta, tb)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    (g,) = wl.autograd.grad(ours.sum(), wa)
    (tg,) = torch.autograd.grad(theirs.sum(), ta)
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12)
    c, d = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    np.testing.assert_allclose(wl.tensor(c).cross(wl.tensor(d), dim=1).numpy(),
                               torch.tensor(c).cross(torch.tensor(d), dim=1).numpy(), rtol=1e-12)
