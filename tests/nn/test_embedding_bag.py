"""EmbeddingBag (F.embedding_bag) against PyTorch (float64, same weights): sum, mean and max
over 2-D inputs and 1-D inputs with offsets (empty bags, include_last_offset), padding_idx,
per_sample_weights and scale_grad_by_freq; values and gradients; reprs and errors."""
import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland import nn
from wonderland.nn import functional as F

TF = torch.nn.functional
RNG = np.random.default_rng(13)
TOL = {"rtol": 1e-12, "atol": 1e-12}

CASES = [  # (input, offsets, layer kwargs)
    ([[1, 2, 4], [4, 3, 9], [0, 0, 1]], None, {}),
    ([1, 2, 4, 5, 4, 3, 2, 9], [0, 3, 3, 7], {}),  # an empty bag
    ([1, 2, 4, 5, 4, 3, 2, 9], [0, 2, 5, 8], {"include_last_offset": True}),
    ([1, 2, 2, 5, 4, 3, 2, 2], [0, 4], {"padding_idx": 2}),
    ([[2, 2], [1, 2]], None, {"padding_idx": 2}),  # a bag of padding only
]


def _run(module, indices, offsets, psw, lib):
    make = wl.tensor if lib is wl else torch.tensor
    x = make(np.array(indices, dtype=np.int64))
    off = None if offsets is None else make(np.array(offsets, dtype=np.int64))
    w = None if psw is None else make(psw, requires_grad=True)
    return module(x, off, per_sample_weights=w), w


@pytest.mark.parametrize("indices, offsets, kw", CASES)
@pytest.mark.parametrize("mode, weighted", [("sum", False), ("mean", False), ("max", False),
                                             ("sum", True)])  # weights only with 'sum'
def test_embedding_bag_matches_torch(indices, offsets, kw, mode, weighted):
    theirs = torch.nn.EmbeddingBag(10, 4, mode=mode, **kw).double()
    ours = nn.EmbeddingBag(10, 4, mode=mode, dtype=wl.float64, **kw)
    ours.load_state_dict({"weight": wl.tensor(theirs.weight.detach().numpy())})
    psw = RNG.standard_normal(np.shape(indices)) if weighted else None
    y, wy = _run(ours, indices, offsets, psw, wl)
    yt, wt = _run(theirs, indices, offsets, psw, torch)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), **TOL)
    g = RNG.standard_normal(tuple(yt.shape))
    (y * wl.tensor(g)).sum().backward()
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), **TOL)
    if weighted:
        np.testing.assert_allclose(wy.grad.numpy(), wt.grad.numpy(), **TOL)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_scales_the_gradient_by_frequency_as_embedding_does(mode):
    # torch 2.13's CPU embedding_bag divides by the wrong counts (pytorch/pytorch#190063):
    # the reference is torch's Embedding with the same flag, then the bags' sums or means
    idx, offsets = [1, 1, 4, 5, 1, 3, 3], [0, 1, 4]
    weight = RNG.standard_normal((8, 3))
    w, wt = wl.tensor(weight, requires_grad=True), torch.tensor(weight, requires_grad=True)
    y = F.embedding_bag(wl.tensor(idx), w, wl.tensor(offsets), mode=mode,
                        scale_grad_by_freq=True)
    rows = TF.embedding(torch.tensor(idx), wt, scale_grad_by_freq=True)
    reduce = torch.sum if mode == "sum" else torch.mean
    yt = torch.stack([reduce(rows[a:b], 0) for a, b in zip(offsets, offsets[1:] + [len(idx)])])
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), **TOL)
    g = RNG.standard_normal((3, 3))
    (y * wl.tensor(g)).sum().backward()
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), **TOL)


def test_embedding_bag_max_gives_the_gradient_to_the_first_maximum():
    weight = np.array([[1.0, 5.0], [1.0, 2.0], [0.0, 5.0]])
    w, wt = wl.tensor(weight, requires_grad=True), torch.tensor(weight, requires_grad=True)
    F.embedding_bag(wl.tensor([[0, 1, 2]]), w, mode="max").sum().backward()
    TF.embedding_bag(torch.tensor([[0, 1, 2]]), wt, mode="max").sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), wt.grad.numpy())


def test_embedding_bag_from_pretrained_is_frozen():
    weight = wl.tensor(RNG.standard_normal((5, 3)))
    bag = nn.EmbeddingBag.from_pretrained(weight, mode="sum")
    assert not bag.weight.requires_grad
    y = bag(wl.tensor([[0, 4]]))
    np.testing.assert_allclose(y.numpy()[0], weight.numpy()[0] + weight.numpy()[4])


def test_embedding_bag_errors():
    bag = nn.EmbeddingBag(10, 3, mode="sum")
    with pytest.raises(ValueError, match=r"offsets\[0\] has to be 0"):
        bag(wl.tensor([1, 2, 3]), wl.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"offsets\[-1\] can not be greater than input's "
                                         r"length 3 but got offsets\[-1\] of 5"):
        bag(wl.tensor([1, 2, 3]), wl.tensor([0, 5]))
    with pytest.raises(ValueError, match="a 1-D input needs 1-D offsets"):
        bag(wl.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match="offsets must be None for a 2-D input"):
        bag(wl.tensor([[1, 2, 3]]), wl.tensor([0]))
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for "
                                                  "mode='sum' \\(got mode='mean'\\)"):
        nn.EmbeddingBag(10, 3)(wl.tensor([[1, 2]]), per_sample_weights=wl.ones(1, 2))
    with pytest.raises(IndexError, match="index 10 is out of range"):
        bag(wl.tensor([[1, 10]]))
    with pytest.raises(ValueError, match="max mode does not support scaling the gradient"):
        F.embedding_bag(wl.tensor([[1]]), wl.ones(3, 2), mode="max", scale_grad_by_freq=True)
    with pytest.raises(ValueError, match="mode must be one of"):
        nn.EmbeddingBag(10, 3, mode="min")
