"""CosineSimilarity and PairwiseDistance (F.cosine_similarity, F.pairwise_distance) against
PyTorch (float64): values and gradients, broadcasting, PyTorch's eps semantics (eps added to
the difference; norms clamped to eps with the unclamped norm's gradient), zero vectors."""
import math

import numpy as np
import pytest
import torch

import wonderland as wl
from tests.nn.test_conv import check_function
from wonderland import nn
from wonderland.nn import functional as F

TF = torch.nn.functional
RNG = np.random.default_rng(7)


def _with_small_rows(shape):
    """Random rows, one of them all zero and one tiny (norm below the default eps)."""
    a = RNG.standard_normal(shape)
    a[0] = 0.0
    a[-1] *= 1e-10
    return a


@pytest.mark.parametrize("shape1, shape2, dim", [((4, 5), (4, 5), 1), ((3, 4, 2), (4, 1), 1),
                                                 ((6,), (6,), 0), ((2, 3, 4), (2, 3, 4), -1)])
@pytest.mark.parametrize("eps", [1e-8, 0.5])
def test_cosine_similarity_matches_torch(shape1, shape2, dim, eps):
    x1, x2 = _with_small_rows(shape1), RNG.standard_normal(shape2)
    check_function(F.cosine_similarity, TF.cosine_similarity, x1, x2, dim=dim, eps=eps)
    check_function(nn.CosineSimilarity(dim, eps), torch.nn.CosineSimilarity(dim, eps), x1, x2)
    check_function(F.cosine_similarity, TF.cosine_similarity, x2, x2, dim=dim, eps=eps)


@pytest.mark.parametrize("shape1, shape2", [((4, 5), (4, 5)), ((3, 4), (4,)), ((5,), (5,)),
                                            ((2, 3, 4), (3, 1))])
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, math.inf])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance_matches_torch(shape1, shape2, p, keepdim):
    x1, x2 = RNG.standard_normal(shape1), RNG.standard_normal(shape2)
    kw = {"p": p, "keepdim": keepdim}
    check_function(F.pairwise_distance, TF.pairwise_distance, x1, x2, **kw)
    check_function(nn.PairwiseDistance(**kw), torch.nn.PairwiseDistance(**kw), x1, x2)


def test_pairwise_distance_with_p_0_counts_the_differing_entries():
    x1, x2 = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    x2[0, :3] = x1[0, :3]  # with eps=0, x1 - x2 + eps is 0 there
    w1 = wl.tensor(x1, requires_grad=True)
    y = F.pairwise_distance(w1, wl.tensor(x2), p=0, eps=0.0)
    theirs = TF.pairwise_distance(torch.tensor(x1), torch.tensor(x2), p=0, eps=0.0)
    np.testing.assert_array_equal(y.detach().numpy(), theirs.numpy())
    np.testing.assert_array_equal(theirs.numpy(), [1, 4, 4])
    y.sum().backward()  # torch leaves no gradient at all; ours is the zero it stands for
    np.testing.assert_array_equal(w1.grad.numpy(), np.zeros((3, 4)))


@pytest.mark.parametrize("p", [2.0, 1.5])
def test_pairwise_distance_of_equal_rows_is_eps_apart(p):
    x = RNG.standard_normal((3, 4))
    check_function(F.pairwise_distance, TF.pairwise_distance, x, x.copy(), p=p)
    check_function(F.pairwise_distance, TF.pairwise_distance, x, x + 1e-6, p=p, eps=-1e-6)


def test_pairwise_errors_name_the_function():
    with pytest.raises(ValueError, match=r"cosine_similarity: the shapes \(2, 3\) and \(2, 4\) "
                                         r"do not broadcast"):
        F.cosine_similarity(wl.zeros(2, 3), wl.zeros(2, 4))
    with pytest.raises(ValueError, match="pairwise_distance: p must be non-negative"):
        F.pairwise_distance(wl.zeros(2, 3), wl.zeros(2, 3), p=-1)
    assert repr(nn.CosineSimilarity()) == "CosineSimilarity()"


@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, 0), (3.0, -1)])
def test_normalize_matches_torch(p, dim):
    x = np.random.default_rng(5).normal(size=(4, 5))
    x[1] = 0.0  # a zero row: stays zero (the norm clamped to eps)
    check_function(F.normalize, TF.normalize, x, p=p, dim=dim)
