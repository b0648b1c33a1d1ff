"""Comparing a distribution's quantity with PyTorch's: the same float64 parameters, the values,
and the gradients of a random weighting of the outputs with respect to every parameter."""
import numpy as np
import torch

import wonderland as wl


def both(arrays, requires_grad=True):
    """The arrays as wonderland and torch float64 tensors (leaves that require grad)."""
    ours = [wl.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)
            for a in arrays]
    theirs = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)
              for a in arrays]
    return ours, theirs


def check(ours_fn, torch_fn, *arrays, rtol=1e-10, atol=1e-12, grad=True):
    """ours_fn(*wl tensors) equals torch_fn(*torch tensors) in value and, when grad, in the
    gradients of sum(w * output) for a fixed random w with respect to each input."""
    ours, theirs = both(arrays, requires_grad=grad)
    y, ty = ours_fn(*ours), torch_fn(*theirs)
    assert tuple(y.shape) == tuple(ty.shape), (y.shape, ty.shape)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=rtol, atol=atol)
    if not grad or not ty.requires_grad:  # a constant in PyTorch (nan means, argmax modes)
        return
    w = np.random.default_rng(0).uniform(0.5, 1.5, size=ty.shape)
    (y * wl.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    for i, (a, t) in enumerate(zip(ours, theirs, strict=True)):
        expected = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i}")


def sample_moments(dist, n=40000):
    """Mean and variance over n draws (dimension 0) of a seeded distribution."""
    wl.manual_seed(0)
    draws = dist.sample((n,)).numpy()
    return draws.mean(0), draws.var(0)
