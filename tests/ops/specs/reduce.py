"""Op-spec rows: reductions (sum, prod, amax/amin, argmax/argmin, cumsum, any/all) and the
functions built on them (mean, var, std, logsumexp, max/min with indices, count_nonzero)."""
import numpy as np
import torch
from scipy import special

import wonderland as wl

from ..spec import away_from, bools, const, distinct, ints, real, spec

S = (3, 4)
S3 = (2, 3, 4)


def with_zeros(shape, positions):
    """Floats away from zero, then exact zeros at the given index tuples."""
    base = away_from(0, *shape, low=-1.5, high=1.5, gap=0.3)

    def make(rng):
        x = base(rng)
        for p in positions:
            x[p] = 0.0
        return x

    return make


def tied(*shape, levels=3):
    """Small integers as floats: most reduction groups hold ties."""
    return lambda rng: rng.integers(0, levels, shape).astype(np.float64)


NONZERO = away_from(0, *S, low=-1.5, high=1.5, gap=0.3)
ONE_ZERO = with_zeros(S, [(1, 2)])
TWO_ZEROS = with_zeros(S, [(1, 0), (1, 3)])
MIXED_BOOLS = const([[True, True, True, True], [False, True, False, False],
                     [False, False, False, False]])

SUM = [
    spec("sum_all", "Sum", lambda x: x.sum(), [real(*S3)], np.sum, torch.sum),
    spec("sum_dim1", "Sum", lambda x: wl.sum(x, 1), [real(*S3)], lambda x: x.sum(1),
         lambda x: x.sum(1)),
    spec("sum_dim_neg", "Sum", lambda x: x.sum(-1), [real(*S3)], lambda x: x.sum(-1),
         lambda x: x.sum(-1)),
    spec("sum_dims_tuple", "Sum", lambda x: x.sum((0, 2)), [real(*S3)],
         lambda x: x.sum((0, 2)), lambda x: x.sum((0, 2))),
    spec("sum_keepdim", "Sum", lambda x: x.sum((-1, 0), keepdim=True), [real(*S3)],
         lambda x: x.sum((0, 2), keepdims=True), lambda x: x.sum((-1, 0), keepdim=True)),
    spec("sum_int", "Sum", lambda x: x.sum(0), [ints(*S, low=-5, high=5)],
         lambda x: x.sum(0), lambda x: x.sum(0), grad=False),
    spec("sum_bool", "Sum", lambda x: wl.sum(x, 1), [bools(*S)], lambda x: x.sum(1),
         lambda x: torch.sum(x, 1), grad=False),
]

PROD = [
    spec("prod_all", "Prod", lambda x: x.prod(), [NONZERO], np.prod, torch.prod),
    spec("prod_dim1", "Prod", lambda x: wl.prod(x, 1), [NONZERO], lambda x: x.prod(1),
         lambda x: x.prod(1)),
    spec("prod_dim_neg_keepdim", "Prod", lambda x: x.prod(-2, keepdim=True), [NONZERO],
         lambda x: x.prod(-2, keepdims=True), lambda x: x.prod(-2, keepdim=True)),
    spec("prod_dims_tuple", "Prod", lambda x: x.prod((0, 2)),
         [away_from(0, *S3, low=-1.5, high=1.5, gap=0.3)], lambda x: x.prod((0, 2)),
         lambda x: x.prod(0).prod(-1)),
    spec("prod_one_zero_dim", "Prod", lambda x: x.prod(1), [ONE_ZERO], lambda x: x.prod(1),
         lambda x: x.prod(1)),
    spec("prod_one_zero_all", "Prod", lambda x: x.prod(), [ONE_ZERO], np.prod, torch.prod),
    spec("prod_two_zeros_dim", "Prod", lambda x: x.prod(1), [TWO_ZEROS], lambda x: x.prod(1),
         lambda x: x.prod(1)),
    spec("prod_two_zeros_dim0", "Prod", lambda x: x.prod(0, keepdim=True), [TWO_ZEROS],
         lambda x: x.prod(0, keepdims=True), lambda x: x.prod(0, keepdim=True)),
    spec("prod_two_zeros_all", "Prod", lambda x: x.prod(), [TWO_ZEROS], np.prod, torch.prod),
]

STATS = [
    spec("mean_all", "Sum", lambda x: x.mean(), [real(*S3)], np.mean, torch.mean),
    spec("mean_dims_keepdim", "Sum", lambda x: wl.mean(x, (0, -1), keepdim=True), [real(*S3)],
         lambda x: x.mean((0, 2), keepdims=True), lambda x: x.mean((0, -1), keepdim=True)),
    spec("var_unbiased", "Sum", lambda x: x.var(1), [real(*S3)], lambda x: x.var(1, ddof=1),
         lambda x: x.var(1)),
    spec("var_population", "Sum", lambda x: wl.var(x, -1, correction=0, keepdim=True),
         [real(*S3)], lambda x: x.var(-1, ddof=0, keepdims=True),
         lambda x: torch.var(x, -1, correction=0, keepdim=True)),
    spec("var_all", "Sum", lambda x: x.var(), [real(*S)], lambda x: x.var(ddof=1),
         lambda x: x.var()),
    spec("std_unbiased", "Sum", lambda x: x.std((0, 2)), [real(*S3)],
         lambda x: x.std((0, 2), ddof=1), lambda x: x.std((0, 2))),
    spec("std_population", "Sum", lambda x: wl.std(x, 0, correction=0), [real(*S3)],
         lambda x: x.std(0, ddof=0), lambda x: torch.std(x, 0, correction=0)),
    spec("logsumexp_dim", ("Amax", "Sum"), lambda x: wl.logsumexp(x, 1), [real(*S3)],
         lambda x: special.logsumexp(x, 1), lambda x: torch.logsumexp(x, 1)),
    spec("logsumexp_all", ("Amax", "Sum"), lambda x: x.logsumexp(), [real(*S)],
         special.logsumexp, lambda x: torch.logsumexp(x, (0, 1))),
    spec("logsumexp_keepdim", ("Amax", "Sum"), lambda x: x.logsumexp((0, 2), keepdim=True),
         [real(*S3)], lambda x: special.logsumexp(x, (0, 2), keepdims=True),
         lambda x: torch.logsumexp(x, (0, 2), keepdim=True)),
    # exp(1000) overflows: only the max-shifted form gives finite values and gradients (its
    # float16 row, against another oracle, is in float16.py)
    spec("logsumexp_large", ("Amax", "Sum"), lambda x: wl.logsumexp(x, -1),
         [real(*S, low=999.0, high=1001.0)], lambda x: special.logsumexp(x, -1),
         lambda x: torch.logsumexp(x, -1), rtol=1e-5, atol=1e-5, float16=False),
]

EXTREMES = [
    spec("amax_all", "Amax", lambda x: wl.amax(x), [distinct(*S3)], np.max,
         lambda x: torch.amax(x, (0, 1, 2))),
    spec("amax_dim", "Amax", lambda x: x.amax(1), [distinct(*S3)], lambda x: x.max(1),
         lambda x: torch.amax(x, 1)),
    spec("amax_dims_keepdim", "Amax", lambda x: x.amax((-1, 0), keepdim=True), [distinct(*S3)],
         lambda x: x.max((0, 2), keepdims=True), lambda x: torch.amax(x, (-1, 0), keepdim=True)),
    spec("amin_all", "Amin", lambda x: wl.amin(x), [distinct(*S3)], np.min,
         lambda x: torch.amin(x, (0, 1, 2))),
    spec("amin_dim_neg", "Amin", lambda x: x.amin(-1), [distinct(*S3)], lambda x: x.min(-1),
         lambda x: torch.amin(x, -1)),
    spec("amin_dims_keepdim", "Amin", lambda x: x.amin((0, 1), keepdim=True), [distinct(*S3)],
         lambda x: x.min((0, 1), keepdims=True), lambda x: torch.amin(x, (0, 1), keepdim=True)),
    # ties: the cotangent is split evenly among the tied extremes, as torch.amax does
    spec("amax_ties_dim", "Amax", lambda x: x.amax(1), [tied(*S)], lambda x: x.max(1),
         lambda x: torch.amax(x, 1), finite_differences=False),
    spec("amax_ties_all", "Amax", lambda x: x.amax(), [tied(*S, levels=2)], np.max,
         lambda x: torch.amax(x, (0, 1)), finite_differences=False),
    spec("amin_ties_dim", "Amin", lambda x: x.amin(0), [tied(*S)], lambda x: x.min(0),
         lambda x: torch.amin(x, 0), finite_differences=False),
    spec("max_full", "Amax", lambda x: x.max(), [distinct(*S)], np.max, torch.max),
    spec("min_full", "Amin", lambda x: wl.min(x), [distinct(*S)], np.min, torch.min),
    spec("max_full_ties", "Amax", lambda x: x.max(), [tied(*S, levels=2)], np.max, torch.max,
         finite_differences=False),
    # max/min along a dim: values and indices; the derivative goes to the returned index
    spec("max_dim_values", ("ArgMax", "Gather"), lambda x: x.max(1).values, [distinct(*S3)],
         lambda x: x.max(1), lambda x: x.max(1).values),
    spec("max_dim_indices", "ArgMax", lambda x: x.max(1).indices, [distinct(*S3)],
         lambda x: x.argmax(1), lambda x: x.max(1).indices, grad=False),
    spec("max_dim_keepdim", ("ArgMax", "Gather"), lambda x: wl.max(x, -1, keepdim=True)[0],
         [distinct(*S3)], lambda x: x.max(-1, keepdims=True),
         lambda x: torch.max(x, -1, keepdim=True)[0]),
    spec("min_dim_values", ("ArgMin", "Gather"), lambda x: x.min(0).values, [distinct(*S3)],
         lambda x: x.min(0), lambda x: x.min(0).values),
    spec("min_dim_indices_keepdim", "ArgMin", lambda x: wl.min(x, -2, keepdim=True)[1],
         [distinct(*S3)], lambda x: x.argmin(-2)[:, None, :],
         lambda x: torch.min(x, -2, keepdim=True)[1], grad=False),
    spec("max_scalar_dim", "ArgMax", lambda x: x.sum().max(0).values, [real(3)], np.sum,
         lambda x: x.sum().max(0).values),
    spec("min_scalar_dim_indices", "ArgMin", lambda x: x.sum().min(-1, keepdim=True)[1],
         [real(3)], lambda x: np.array(0), lambda x: x.sum().min(-1, keepdim=True)[1],
         grad=False),
    spec("max_dim_ties", ("ArgMax", "Gather"), lambda x: x.max(1).values, [tied(*S)],
         lambda x: x.max(1), lambda x: x.max(1).values, finite_differences=False),
    spec("max_dim_ties_indices", "ArgMax", lambda x: x.max(1).indices, [tied(*S)],
         lambda x: x.argmax(1), lambda x: x.max(1).indices, grad=False),
    spec("argmax_all", "ArgMax", lambda x: x.argmax(), [distinct(*S3)], np.argmax,
         torch.argmax, grad=False),
    spec("argmax_dim", "ArgMax", lambda x: wl.argmax(x, 1), [distinct(*S3)],
         lambda x: x.argmax(1), lambda x: torch.argmax(x, 1), grad=False),
    spec("argmax_dim_neg_keepdim", "ArgMax", lambda x: x.argmax(-1, keepdim=True),
         [distinct(*S3)], lambda x: x.argmax(-1, keepdims=True),
         lambda x: x.argmax(-1, keepdim=True), grad=False),
    spec("argmax_all_keepdim", "ArgMax", lambda x: x.argmax(keepdim=True), [distinct(*S)],
         lambda x: np.argmax(x).reshape(1, 1), lambda x: x.argmax(keepdim=True), grad=False),
    spec("argmin_all", "ArgMin", lambda x: wl.argmin(x), [distinct(*S3)], np.argmin,
         torch.argmin, grad=False),
    spec("argmin_dim", "ArgMin", lambda x: x.argmin(0), [distinct(*S3)],
         lambda x: x.argmin(0), lambda x: x.argmin(0), grad=False),
    spec("argmin_ties_first", "ArgMin", lambda x: x.argmin(1), [tied(*S)],
         lambda x: x.argmin(1), lambda x: x.argmin(1), grad=False),
]

OTHERS = [
    spec("cumsum_dim0", "Cumsum", lambda x: x.cumsum(0), [real(*S3)], lambda x: x.cumsum(0),
         lambda x: x.cumsum(0)),
    spec("cumsum_dim1", "Cumsum", lambda x: wl.cumsum(x, 1), [real(*S3)],
         lambda x: x.cumsum(1), lambda x: torch.cumsum(x, 1)),
    spec("cumsum_dim2", "Cumsum", lambda x: x.cumsum(2), [real(*S3)], lambda x: x.cumsum(2),
         lambda x: x.cumsum(2)),
    spec("cumsum_dim_neg", "Cumsum", lambda x: x.cumsum(-2), [real(*S3)],
         lambda x: x.cumsum(-2), lambda x: x.cumsum(-2)),
    spec("cumsum_int", "Cumsum", lambda x: x.cumsum(1), [ints(*S, low=-5, high=5)],
         lambda x: x.cumsum(1), lambda x: x.cumsum(1), grad=False),
    spec("any_all_dims", "Any", lambda x: x.any(), [MIXED_BOOLS], np.any, torch.any,
         grad=False),
    spec("any_dim", "Any", lambda x: wl.any(x, 1), [MIXED_BOOLS], lambda x: x.any(1),
         lambda x: torch.any(x, 1), grad=False),
    spec("any_dim_keepdim", "Any", lambda x: x.any(0, keepdim=True), [MIXED_BOOLS],
         lambda x: x.any(0, keepdims=True), lambda x: x.any(0, keepdim=True), grad=False),
    spec("any_random", "Any", lambda x: x.any(-1), [bools(2, 3, 4, p=0.2)],
         lambda x: x.any(-1), lambda x: x.any(-1), grad=False),
    spec("all_all_dims", "All", lambda x: x.all(), [MIXED_BOOLS], np.all, torch.all,
         grad=False),
    spec("all_dim", "All", lambda x: wl.all(x, 1), [MIXED_BOOLS], lambda x: x.all(1),
         lambda x: torch.all(x, 1), grad=False),
    spec("all_dims_keepdim", "All", lambda x: x.all((0, 1), keepdim=True),
         [bools(2, 3, 4, p=0.8)], lambda x: x.all((0, 1), keepdims=True),
         lambda x: x.all(0, keepdim=True).all(1, keepdim=True), grad=False),
    spec("count_nonzero_all", "Sum", lambda x: wl.count_nonzero(x), [tied(*S3)],
         np.count_nonzero, torch.count_nonzero, grad=False),
    spec("count_nonzero_dim", "Sum", lambda x: x.count_nonzero(1), [tied(*S3)],
         lambda x: np.count_nonzero(x, 1), lambda x: torch.count_nonzero(x, 1), grad=False),
    spec("count_nonzero_dims", "Sum", lambda x: x.count_nonzero((0, 2)), [tied(*S3)],
         lambda x: np.count_nonzero(x, (0, 2)), lambda x: torch.count_nonzero(x, (0, 2)),
         grad=False),
]

SPECS = SUM + PROD + STATS + EXTREMES + OTHERS
