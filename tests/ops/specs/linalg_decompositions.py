"""Op-spec rows: wl.linalg (solve, inverse, determinants, Cholesky, QR, eigh, SVD, pinv, lstsq,
matrix products and rank, matrix_exp, norms, cross). Inputs are well conditioned by
construction: a random matrix plus n on the diagonal, or symmetric positive definite as
X X^T + n I computed inside the row (so the derivative covers the whole of X while the
decomposition reads one triangle). Eigenvectors and singular vectors are compared through
functions their sign does not change. The LAPACK-backed rows have no float16 twin: those
functions refuse float16, as PyTorch's do on the CPU."""
import math

import numpy as np
import torch

import wonderland as wl

from ..spec import distinct, half, real, spec

L = wl.linalg
LAPACK = {"float16": False}


def well_conditioned(*shape):
    """A random square matrix (or batch) plus n on the diagonal: far from singular."""
    n = shape[-1]
    return lambda rng: rng.uniform(-1.0, 1.0, shape) + n * np.eye(n)


def negative_det(n):
    """A well-conditioned matrix with two rows swapped: its determinant is negative."""
    make = well_conditioned(n, n)
    return lambda rng: make(rng)[[1, 0, *range(2, n)]]


def rank_deficient(*shape):
    """Square matrices of rank n - 1 (the last row the sum of the others): det is 0 there, and
    its gradient, the cofactor matrix, is not."""
    def make(rng):
        x = rng.uniform(-2.0, 2.0, shape)
        x[..., -1, :] = x[..., :-1, :].sum(-2)
        return x

    return make


def _spd(x, eye):
    return x @ x.swapaxes(-1, -2) + x.shape[-1] * eye(x.shape[-1])


def spd_wl(x):
    return _spd(x, lambda n: wl.eye(n, dtype=x.dtype))


def spd_np(x):
    return _spd(x, np.eye)


def spd_torch(x):
    return _spd(x, lambda n: torch.eye(n, dtype=x.dtype))


def sign_free(v):
    """Each column scaled by its first entry: unchanged when a column flips sign."""
    return v * v[..., :1, :]


def _eigh_view(values, vectors):
    return sign_free(vectors) + values[..., None, :]


def _svd_polar(u, s, vh):
    return u @ vh  # U Vh is the same whichever signs the singular vectors take


SPECS = [
    # solve and inverse
    spec("linalg_solve", "Solve", L.solve, [well_conditioned(3, 3), real(3, 2)], np.linalg.solve,
         torch.linalg.solve, **LAPACK),
    spec("linalg_solve_batched_vector", "Solve", L.solve,
         [well_conditioned(2, 3, 3), real(3)], np.linalg.solve, torch.linalg.solve, **LAPACK),
    spec("linalg_solve_broadcast", "Solve", L.solve, [well_conditioned(3, 3), real(2, 3, 2)],
         np.linalg.solve, torch.linalg.solve, **LAPACK),
    spec("linalg_solve_right", "Solve", lambda a, b: L.solve(a, b, left=False),
         [well_conditioned(3, 3), real(2, 3)], lambda a, b: b @ np.linalg.inv(a),
         lambda a, b: torch.linalg.solve(a, b, left=False), **LAPACK),
    spec("linalg_inv", "Solve", L.inv, [well_conditioned(2, 3, 3)], np.linalg.inv,
         torch.linalg.inv, **LAPACK),
    spec("inverse_method", "Solve", lambda a: a.inverse(), [well_conditioned(4, 4)],
         np.linalg.inv, torch.inverse, **LAPACK),
    # determinants
    spec("linalg_det", "Det", L.det, [well_conditioned(2, 3, 3)],
         np.linalg.det, torch.linalg.det, **LAPACK),
    spec("linalg_det_negative", "Det", lambda a: a.det(), [negative_det(3)],
         np.linalg.det, torch.det, **LAPACK),
    spec("linalg_det_singular", "Det", L.det, [rank_deficient(2, 3, 3)], np.linalg.det,
         torch.linalg.det, second_order=False, **LAPACK),
    spec("linalg_slogdet_logabsdet", "LogAbsDet", lambda a: L.slogdet(a)[1],
         [negative_det(4)], lambda a: np.linalg.slogdet(a)[1],
         lambda a: torch.linalg.slogdet(a)[1], **LAPACK),
    spec("linalg_slogdet_sign", "SignDet", lambda a: L.slogdet(a)[0], [negative_det(3)],
         lambda a: np.linalg.slogdet(a)[0], lambda a: torch.linalg.slogdet(a)[0], grad=False,
         **LAPACK),
    spec("logdet", "LogAbsDet", lambda x: wl.logdet(spd_wl(x)), [real(2, 3, 3)],
         lambda x: np.linalg.slogdet(spd_np(x))[1], lambda x: torch.logdet(spd_torch(x)),
         **LAPACK),
    # Cholesky
    spec("linalg_cholesky", "Cholesky", lambda x: L.cholesky(spd_wl(x)), [real(2, 3, 3)],
         lambda x: np.linalg.cholesky(spd_np(x)), lambda x: torch.linalg.cholesky(spd_torch(x)),
         **LAPACK),
    spec("linalg_cholesky_upper", "Cholesky", lambda x: spd_wl(x).cholesky(upper=True),
         [real(4, 4)], lambda x: np.linalg.cholesky(spd_np(x)).T,
         lambda x: torch.linalg.cholesky(spd_torch(x)).mT, **LAPACK),
    # QR (LAPACK's Householder signs, the same in NumPy and PyTorch)
    spec("linalg_qr_q", "QR", lambda a: L.qr(a)[0], [real(4, 3)], lambda a: np.linalg.qr(a)[0],
         lambda a: torch.linalg.qr(a)[0], **LAPACK),
    spec("linalg_qr_r", "QR", lambda a: L.qr(a)[1], [real(2, 4, 3)],
         lambda a: np.linalg.qr(a)[1], lambda a: torch.linalg.qr(a)[1], **LAPACK),
    spec("linalg_qr_square", "QR", lambda a: (lambda q, r: q @ r.exp())(*a.qr()),
         [real(3, 3)], lambda a: (lambda q, r: q @ np.exp(r))(*np.linalg.qr(a)),
         lambda a: (lambda q, r: q @ r.exp())(*torch.linalg.qr(a)), **LAPACK),
    spec("linalg_qr_wide", "QR", lambda a: (lambda q, r: q.exp() @ r)(*L.qr(a)), [real(2, 3, 4)],
         lambda a: (lambda q, r: np.exp(q) @ r)(*np.linalg.qr(a)),
         lambda a: (lambda q, r: q.exp() @ r)(*torch.linalg.qr(a)), **LAPACK),
    spec("linalg_qr_complete_r", "QR", lambda a: L.qr(a, mode="complete")[1], [real(3, 3)],
         lambda a: np.linalg.qr(a, mode="complete")[1],
         lambda a: torch.linalg.qr(a, mode="complete")[1], **LAPACK),
    # eigh
    spec("linalg_eigh", "Eigh", lambda x: _eigh_view(*L.eigh(spd_wl(x))), [real(2, 3, 3)],
         lambda x: _eigh_view(*np.linalg.eigh(spd_np(x))),
         lambda x: _eigh_view(*torch.linalg.eigh(spd_torch(x))), **LAPACK),
    spec("linalg_eigh_upper", "Eigh", lambda x: _eigh_view(*L.eigh(spd_wl(x), UPLO="U")),
         [real(4, 4)], lambda x: _eigh_view(*np.linalg.eigh(spd_np(x), UPLO="U")),
         lambda x: _eigh_view(*torch.linalg.eigh(spd_torch(x), UPLO="U")), **LAPACK),
    spec("linalg_eigvalsh", "Eigh", lambda x: L.eigvalsh(spd_wl(x)), [real(4, 4)],
         lambda x: np.linalg.eigvalsh(spd_np(x)), lambda x: torch.linalg.eigvalsh(spd_torch(x)),
         **LAPACK),
    # SVD: tall, wide, square and batched
    *[spec(f"linalg_svd_{name}", "SVD",
           lambda a: _svd_polar(*L.svd(a, full_matrices=False)) + sign_free(
               L.svd(a, full_matrices=False)[0])[..., :1],
           [real(*shape)],
           lambda a: _svd_polar(*np.linalg.svd(a, full_matrices=False)) + sign_free(
               np.linalg.svd(a, full_matrices=False)[0])[..., :1],
           lambda a: _svd_polar(*torch.linalg.svd(a, full_matrices=False)) + sign_free(
               torch.linalg.svd(a, full_matrices=False)[0])[..., :1], **LAPACK)
      for name, shape in [("tall", (4, 3)), ("wide", (3, 4)), ("batched", (2, 3, 3))]],
    spec("linalg_svd_vh", "SVD", lambda a: sign_free(L.svd(a, full_matrices=False)[2].mT),
         [real(3, 4)], lambda a: sign_free(np.linalg.svd(a, full_matrices=False)[2].T),
         lambda a: sign_free(torch.linalg.svd(a, full_matrices=False)[2].mT), **LAPACK),
    spec("linalg_svd_full_square", "SVD", lambda a: _svd_polar(*L.svd(a)), [real(3, 3)],
         lambda a: _svd_polar(*np.linalg.svd(a)), lambda a: _svd_polar(*torch.linalg.svd(a)),
         **LAPACK),
    *[spec(f"linalg_svd_full_{name}", "SVD",
           lambda a, k=k: (lambda u, s, vh: u[..., :k] @ vh[..., :k, :] * s.sum())(*L.svd(a)),
           [real(*shape)],
           lambda a, k=k: (lambda u, s, vh: u[..., :k] @ vh[..., :k, :] * s.sum())(
               *np.linalg.svd(a)),
           lambda a, k=k: (lambda u, s, vh: u[..., :k] @ vh[..., :k, :] * s.sum())(
               *torch.linalg.svd(a)), **LAPACK)
      for name, shape, k in [("tall", (4, 3), 3), ("wide", (2, 4), 2)]],
    spec("svd_method", "SVD", lambda a: (lambda u, s, v: u @ v.mT + s.sum())(*a.svd()),
         [real(4, 3)], lambda a: (lambda u, s, vh: u @ vh + s.sum())(
             *np.linalg.svd(a, full_matrices=False)),
         lambda a: (lambda u, s, v: u @ v.mT + s.sum())(*a.svd()), **LAPACK),
    spec("linalg_svdvals", "SVD", L.svdvals, [real(2, 3, 5)],
         lambda a: np.linalg.svd(a, compute_uv=False), torch.linalg.svdvals, **LAPACK),
    spec("linalg_pinv_tall", "SVD", L.pinv, [real(5, 3)], np.linalg.pinv, torch.linalg.pinv,
         **LAPACK),
    spec("linalg_pinv_wide", "SVD", L.pinv, [real(2, 3, 4)], np.linalg.pinv, torch.linalg.pinv,
         **LAPACK),
    spec("linalg_lstsq", "SVD", lambda a, b: L.lstsq(a, b).solution, [real(5, 3), real(5, 2)],
         lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0],
         lambda a, b: torch.linalg.lstsq(a, b).solution, **LAPACK),
    spec("linalg_lstsq_wide_vector", "SVD", lambda a, b: L.lstsq(a, b).solution,
         [real(3, 5), real(3)], lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0],
         lambda a, b: torch.linalg.lstsq(a, b, driver="gelsd").solution, **LAPACK),
    # products and rank
    spec("linalg_matrix_power", "MatMul", lambda a: L.matrix_power(a, 5), [real(2, 3, 3)],
         lambda a: np.linalg.matrix_power(a, 5), lambda a: torch.linalg.matrix_power(a, 5),
         float16=False),  # float16 rounds each of the products, PyTorch's in another order
    spec("linalg_matrix_power_negative", "Solve", lambda a: L.matrix_power(a, -2),
         [well_conditioned(3, 3)], lambda a: np.linalg.matrix_power(a, -2),
         lambda a: torch.linalg.matrix_power(a, -2), **LAPACK),
    spec("linalg_multi_dot", "MatMul", lambda *xs: L.multi_dot(xs),
         [real(4), real(4, 2), real(2, 5), real(5)], lambda *xs: np.linalg.multi_dot(xs),
         lambda *xs: torch.linalg.multi_dot(xs)),
    spec("linalg_vecdot", "Mul", lambda x, y: L.vecdot(x, y, dim=0), [real(3, 4), real(3, 1)],
         lambda x, y: (x * y).sum(0), lambda x, y: torch.linalg.vecdot(x, y, dim=0)),
    spec("linalg_matrix_rank", "SVD", L.matrix_rank, [rank_deficient(2, 4, 4)],
         np.linalg.matrix_rank, torch.linalg.matrix_rank, grad=False, **LAPACK),
    # matrix exponential (float16 as PyTorch's: in float32, rounded once)
    spec("linalg_matrix_exp", "MatrixExp", L.matrix_exp, [real(2, 3, 3)], None,
         torch.linalg.matrix_exp, float16=False),
    # PyTorch's own float16 matrix_exp overflows to inf and nan at these inputs: its float32
    # result rounded once is the oracle
    half("linalg_matrix_exp_half", "MatrixExp", L.matrix_exp, [real(2, 3, 3, low=-1, high=1)],
         None, lambda a: torch.linalg.matrix_exp(a.float()).half()),
    spec("linalg_matrix_exp_scaled", "MatrixExp", L.matrix_exp, [real(4, 4, low=-3, high=3)],
         None, torch.linalg.matrix_exp, float16=False),
    # norms (composites of reductions)
    *[spec(f"linalg_vector_norm_{name}", "Abs", lambda x, o=o, k=k: L.vector_norm(x, o, **k),
           [distinct(3, 4)], None, lambda x, o=o, k=k: torch.linalg.vector_norm(x, o, **k),
           **extra)
      for name, o, k, extra in [
          ("2", 2, {}, {}), ("1_dim", 1, {"dim": 1}, {}),
          ("3_keepdim", 3, {"dim": (0,), "keepdim": True}, {}),
          ("half", 0.5, {"dim": -1}, {}), ("inf", math.inf, {"dim": 0}, {}),
          ("neg_inf", -math.inf, {}, {}), ("0", 0, {"dim": 1}, {"grad": False})]],
    spec("linalg_vector_norm_at_zero", "Where", lambda x: L.vector_norm(x * 0, dim=-1),
         [real(2, 3)], None, lambda x: torch.linalg.vector_norm(x * 0, dim=-1),
         second_order=False),
    *[spec(f"linalg_matrix_norm_{name}", prim, lambda a, o=o: L.matrix_norm(a, o),
           [distinct(2, 3, 4)], None, lambda a, o=o: torch.linalg.matrix_norm(a, o), **extra)
      for name, o, prim, extra in [
          ("fro", "fro", "Abs", {}), ("1", 1, "Amax", {}), ("neg_1", -1, "Amin", {}),
          ("inf", math.inf, "Amax", {}), ("neg_inf", -math.inf, "Amin", {}),
          ("nuc", "nuc", "SVD", LAPACK), ("2", 2, "SVD", LAPACK), ("neg_2", -2, "SVD", LAPACK)]],
    spec("linalg_matrix_norm_dims_keepdim", "Amax",
         lambda a: L.matrix_norm(a, 1, dim=(2, 0), keepdim=True), [distinct(3, 2, 4)], None,
         lambda a: torch.linalg.matrix_norm(a, 1, dim=(2, 0), keepdim=True)),
    spec("linalg_norm_default", "Abs", L.norm, [real(2, 3)], None, torch.linalg.norm),
    spec("linalg_norm_matrix_ord", "Amax", lambda a: L.norm(a, math.inf), [distinct(3, 4)], None,
         lambda a: torch.linalg.norm(a, math.inf)),
    spec("linalg_norm_vector_dim", "Abs", lambda a: L.norm(a, 3, dim=1), [real(3, 4)], None,
         lambda a: torch.linalg.norm(a, 3, dim=1)),
    spec("linalg_norm_nuc", "SVD", lambda a: L.norm(a, "nuc"), [real(3, 4)], None,
         lambda a: torch.linalg.norm(a, "nuc"), **LAPACK),
    spec("norm_method", "Abs", lambda a: a.norm(), [real(2, 3, 4)], None, lambda a: a.norm()),
    spec("norm_method_dims", "Abs", lambda a: a.norm(p=1, dim=(0, 1), keepdim=True),
         [real(2, 3, 4)], None, lambda a: a.norm(p=1, dim=(0, 1), keepdim=True)),
    # cross product
    spec("linalg_cross", "Mul", L.cross, [real(2, 1, 3), real(1, 4, 3)], np.cross,
         torch.linalg.cross),
    spec("linalg_cross_dim", "Mul", lambda a, b: L.cross(a, b, dim=0), [real(3, 2), real(3, 2)],
         lambda a, b: np.cross(a, b, axis=0), lambda a, b: torch.linalg.cross(a, b, dim=0)),
]
