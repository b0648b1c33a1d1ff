"""Shared helpers for the transform tests: the same inputs in wonderland and torch (float64),
closeness checks on pytrees, and central finite differences."""
import numpy as np
import torch

import wonderland as wl
from wonderland.autodiff.pytree import tree_flatten, tree_flatten_as

RNG = np.random.default_rng(0)


def both(*shape, scale=1.0):
    """A random float64 array as (wonderland tensor, torch tensor) with the same values."""
    a = RNG.standard_normal(shape) * scale
    return wl.tensor(a, dtype=wl.float64), torch.tensor(a, dtype=torch.float64)


def as_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, wl.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def assert_tree_close(got, want, rtol=1e-9, atol=1e-11):
    """Two pytrees (wonderland, torch or NumPy leaves) with one structure and close leaves."""
    got_leaves, spec = tree_flatten(got)
    want_leaves = tree_flatten_as(spec, want)
    assert len(got_leaves) > 0
    for g, w in zip(got_leaves, want_leaves):
        g, w = as_numpy(g), as_numpy(w)
        assert g.shape == w.shape, (g.shape, w.shape)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


def finite_difference_jacobian(f, x: np.ndarray, eps=1e-6) -> np.ndarray:
    """d f / d x by central differences, shape f(x).shape + x.shape (f maps arrays to arrays)."""
    y0 = np.asarray(f(x))
    jac = np.zeros(y0.shape + x.shape)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = eps
        jac[(...,) + idx] = (np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps)
    return jac


def wl_numpy(f):
    """f on wonderland tensors as a function of float64 arrays (for finite differences)."""
    return lambda a: f(wl.tensor(a, dtype=wl.float64)).numpy()


def no_tape(tree) -> bool:
    """No leaf of the tree requires grad or holds a tape node (plain use keeps no graph)."""
    leaves, _ = tree_flatten(tree)
    return all(not x.requires_grad and x.grad_fn is None and not x._tangents
               for x in leaves if isinstance(x, wl.Tensor))
