"""One sparse matrix built twice, in wonderland and in PyTorch (float64), for the sparse tests."""
import numpy as np
import torch

import wonderland as wl

# coordinates with a duplicate ((0, 1) twice) and out of order
INDICES = np.array([[0, 2, 1, 0, 3, 1], [1, 0, 2, 1, 3, 0]])
SHAPE = (4, 5)


def torch_sparse(indices, values, size):
    """torch.sparse_coo_tensor with its invariant checks on (which also keeps it quiet)."""
    size = () if size is None else (size,)
    return torch.sparse_coo_tensor(torch.as_tensor(indices), values, *size, check_invariants=True)


def pair(indices=INDICES, shape=SHAPE, seed=0):
    """(wonderland sparse, torch sparse, wonderland values leaf, torch values leaf)."""
    values = np.random.default_rng(seed).standard_normal(indices.shape[1])
    wv = wl.tensor(values, requires_grad=True)
    tv = torch.tensor(values, requires_grad=True)
    return (wl.sparse_coo_tensor(indices, wv, shape), torch_sparse(indices, tv, shape), wv, tv)


def close(ours, theirs):
    theirs = theirs.detach()
    theirs = theirs.to_dense() if theirs.is_sparse else theirs
    np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), rtol=1e-12, atol=1e-12)
    assert tuple(np.asarray(ours).shape) == tuple(theirs.shape)
