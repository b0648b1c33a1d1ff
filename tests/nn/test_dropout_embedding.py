"""Dropout, Dropout2d and Embedding: statistics of the masks with seeded generators, eval mode and
edge cases against PyTorch, Embedding (padding_idx) against PyTorch with the same weights;
errors, gradcheck and vmap."""
from contextlib import nullcontext

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import wonderland as wl
import wonderland.nn.functional as F
from wonderland import nn

RNG = np.random.default_rng(2)
DTYPES = {"float64": (wl.float64, torch.float64, 1e-12), "float32": (wl.float32, torch.float32,
                                                                       1e-6)}


def both(a: np.ndarray, dtype: str):
    wd, td, _ = DTYPES[dtype]
    return (wl.tensor(a, dtype=wd, requires_grad=True),
            torch.tensor(a, dtype=td, requires_grad=True))


def check_same(y, yt, x, xt, dtype):
    """Outputs and the input gradients of <g, y> agree."""
    tol = DTYPES[dtype][2]
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    g = RNG.standard_normal(y.shape)
    (y * wl.tensor(g, dtype=y.dtype)).sum().backward()
    (yt * torch.tensor(g, dtype=yt.dtype)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)


# --- dropout: where it is deterministic, exactly PyTorch ------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layer,tlayer,shape", [(nn.Dropout, torch.nn.Dropout, (4, 5)),
                                                (nn.Dropout2d, torch.nn.Dropout2d, (2, 3, 4, 4)),
                                                (nn.Dropout2d, torch.nn.Dropout2d, (2, 3, 5))])
@pytest.mark.parametrize("p,mode", [(0.5, "eval"), (0.9, "eval"), (0.0, "train"),
                                    (1.0, "train"), (1.0, "eval")])
def test_dropout_layers_match_torch_where_deterministic(layer, tlayer, shape, p, mode, dtype):
    m, tm = layer(p), tlayer(p)
    getattr(m, mode)(), getattr(tm, mode)()
    assert repr(m) == repr(tm)
    x, xt = both(RNG.standard_normal(shape), dtype)
    with pytest.warns(UserWarning) if len(shape) == 3 else nullcontext():  # torch: (N, C, L)
        yt = tm(xt)
    with pytest.warns(UserWarning) if len(shape) == 3 else nullcontext():  # and ours, alike
        y = m(x)
    check_same(y, yt, x, xt, dtype)


@pytest.mark.parametrize("fn,tfn", [(F.dropout, TF.dropout), (F.dropout2d, TF.dropout2d)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_functional_eval_is_identity_as_torch(fn, tfn, dtype):
    x, xt = both(RNG.standard_normal((2, 3, 4, 4)), dtype)
    y = fn(x, 0.3, training=False)
    assert y is x
    check_same(y * 1.0, tfn(xt, 0.3, training=False) * 1.0, x, xt, dtype)


# --- dropout: statistics of the masks ----------------------------------------------------------
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_zeroes_about_p_and_keeps_the_expectation(p):
    x = wl.ones(200_000, dtype=wl.float64, requires_grad=True)
    y = F.dropout(x, p, generator=wl.Generator(3))
    v = y.detach().numpy()
    kept = v != 0
    assert abs((~kept).mean() - p) < 0.005
    np.testing.assert_allclose(v[kept], 1 / (1 - p), rtol=1e-12)
    assert abs(v.mean() - 1.0) < 0.02
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), v)  # d(y)/d(x) is the scaled mask


def test_dropout_is_reproducible_with_a_seed():
    x = wl.randn(50, 40)
    a = F.dropout(x, 0.5, generator=wl.Generator(11)).numpy()
    b = F.dropout(x, 0.5, generator=wl.Generator(11)).numpy()
    c = F.dropout(x, 0.5, generator=wl.Generator(12)).numpy()
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()
    wl.manual_seed(5)
    d = nn.Dropout(0.5)(x).numpy()
    wl.manual_seed(5)
    np.testing.assert_array_equal(d, nn.Dropout(0.5)(x).numpy())
    m = nn.Dropout(0.5, generator=wl.Generator(11))
    np.testing.assert_array_equal(m(x).numpy(), a)


@pytest.mark.parametrize("shape", [(40, 50, 3, 3), (40, 50, 7)])
@pytest.mark.parametrize("p", [0.2, 0.6])
def test_dropout2d_zeroes_whole_channels(shape, p):
    a = RNG.standard_normal(shape)
    x = wl.tensor(a, requires_grad=True)
    with pytest.warns(UserWarning) if len(shape) == 3 else nullcontext():  # read as (N, C, L)
        y = nn.Dropout2d(p, generator=wl.Generator(4))(x)
    v = y.detach().numpy().reshape(shape[0], shape[1], -1)
    dropped = (v == 0).all(-1)
    kept = np.isclose(v, a.reshape(v.shape) / (1 - p), rtol=1e-12).all(-1)
    assert (dropped | kept).all()
    assert abs(dropped.mean() - p) < 0.05
    y.sum().backward()
    g = x.grad.numpy().reshape(v.shape)
    want = np.broadcast_to(np.where(dropped[..., None], 0.0, 1 / (1 - p)), g.shape)
    np.testing.assert_allclose(g, want, rtol=1e-12)


def test_p_one_zeroes_everything_and_gradients():
    x = wl.randn(3, 4, requires_grad=True)
    y = F.dropout(x, 1.0)
    assert (y.detach().numpy() == 0).all()
    y.sum().backward()
    assert (x.grad.numpy() == 0).all()
    assert (F.dropout2d(wl.randn(2, 3, 4, 2), 1.0).numpy() == 0).all()


def test_p_zero_in_training_is_identity():
    x = wl.randn(3, 4)
    assert F.dropout(x, 0.0) is x and F.dropout2d(x.reshape(1, 3, 4, 1), 0.0).shape == (1, 3, 4, 1)


def test_dropout_under_vmap():
    xs = wl.ones(6, 500)
    with pytest.raises(RuntimeError, match="randomness"):
        wl.func.vmap(lambda x: F.dropout(x, 0.5))(xs)
    same = wl.func.vmap(lambda x: F.dropout(x, 0.5), randomness="same")(xs).numpy()
    assert (same == same[0]).all()
    diff = wl.func.vmap(lambda x: F.dropout(x, 0.5), randomness="different")(xs).numpy()
    assert not (diff == diff[0]).all()
    assert set(np.unique(diff)) <= {0.0, 2.0}


def test_dropout_errors():
    with pytest.raises(ValueError, match="Dropout: dropout probability has to be between 0 and "
                                         "1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="dropout: .*got -0.1"):
        F.dropout(wl.ones(3), -0.1)
    with pytest.warns(UserWarning, match="1-D input"), \
            pytest.raises(ValueError, match=r"dropout2d: feature dropout requires at least 2 "
                                            r"dimensions in the input, got shape \(3,\)"):
        F.dropout2d(wl.ones(3))
    with pytest.raises(TypeError, match="dropout: expected a floating point input, got int64"):
        F.dropout(wl.tensor([1, 2]))


# --- embedding ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("num,dim,padding_idx,idx_shape", [
    (10, 3, None, (4,)), (10, 3, 0, (2, 5)), (7, 4, -1, (3, 2, 2)), (5, 2, 2, ()),
    (6, 1, 3, (8,)),
])
def test_embedding_matches_torch(num, dim, padding_idx, idx_shape, mode, dtype):
    wd, td, tol = DTYPES[dtype]
    m = nn.Embedding(num, dim, padding_idx=padding_idx, dtype=wd)
    tm = torch.nn.Embedding(num, dim, padding_idx=padding_idx, dtype=td)
    assert repr(m) == repr(tm) and m.padding_idx == tm.padding_idx
    m.load_state_dict({"weight": wl.tensor(tm.weight.detach().numpy())})
    getattr(m, mode)(), getattr(tm, mode)()
    idx = RNG.integers(0, num, idx_shape)
    if padding_idx is not None and idx.ndim:
        idx.reshape(-1)[0] = padding_idx % num  # the padding row is looked up at least once
    y, yt = m(wl.tensor(idx)), tm(torch.tensor(idx))
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    g = RNG.standard_normal(y.shape)
    (y * wl.tensor(g, dtype=wd)).sum().backward()
    (yt * torch.tensor(g, dtype=td)).sum().backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=tol,
                               atol=tol)
    if padding_idx is not None:
        assert (m.weight.grad.numpy()[padding_idx] == 0).all()


def test_embedding_padding_row_starts_at_zero_and_gets_no_gradient():
    m = nn.Embedding(300, 50, padding_idx=4)
    w = m.weight.detach().numpy()
    assert (w[4] == 0).all() and (np.delete(w, 4, 0) != 0).all()
    assert abs(w.std() - 1.0) < 0.02 and abs(w.mean()) < 0.02  # N(0, 1), as in PyTorch
    with wl.no_grad():
        m.weight.data = m.weight.detach() + 1.0  # a non-zero padding row is still looked up
    idx = wl.tensor([4, 4, 5])
    y = m(idx)
    np.testing.assert_array_equal(y.detach().numpy()[0], m.weight.detach().numpy()[4])
    y.sum().backward()
    assert (m.weight.grad.numpy()[4] == 0).all() and (m.weight.grad.numpy()[5] == 1).all()


def test_embedding_from_pretrained_as_torch():
    a = RNG.standard_normal((5, 3))
    m = nn.Embedding.from_pretrained(wl.tensor(a))
    tm = torch.nn.Embedding.from_pretrained(torch.tensor(a))
    assert not m.weight.requires_grad and repr(m) == repr(tm)
    idx = [[0, 4], [2, 2]]
    np.testing.assert_array_equal(m(wl.tensor(idx)).numpy(), tm(torch.tensor(idx)).numpy())
    assert nn.Embedding.from_pretrained(wl.tensor(a), freeze=False).weight.requires_grad


def test_embedding_int32_indices():
    m = nn.Embedding(4, 2)
    idx = wl.tensor([1, 3]).to(wl.int32)
    np.testing.assert_array_equal(m(idx).detach().numpy(), m.weight.detach().numpy()[[1, 3]])


def test_embedding_gradcheck_and_vmap():
    w = wl.tensor(RNG.standard_normal((6, 3)), requires_grad=True)
    idx = wl.tensor([[0, 5, 2], [2, 2, 1]])
    assert wl.autograd.gradcheck(lambda w: F.embedding(idx, w), (w,))
    _, tangent = wl.func.jvp(lambda w: F.embedding(idx, w, padding_idx=2), (w.detach(),),
                             (wl.ones(6, 3, dtype=wl.float64),))
    np.testing.assert_array_equal(tangent.numpy(), (idx != 2).to(wl.float64).numpy()[..., None]
                                  * np.ones(3))  # the padding row is held constant
    got = wl.func.vmap(lambda i: F.embedding(i, w, padding_idx=2))(idx)
    np.testing.assert_array_equal(got.detach().numpy(), F.embedding(idx, w).detach().numpy())
    ws = wl.tensor(RNG.standard_normal((4, 6, 3)))
    got = wl.func.vmap(lambda wi: F.embedding(idx, wi))(ws)
    want = wl.stack([F.embedding(idx, wi) for wi in ws])
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_embedding_errors_name_the_layer():
    m = nn.Embedding(10, 3, padding_idx=1)
    with pytest.raises(TypeError, match=r"Embedding\(10, 3, padding_idx=1\): expected int64 or "
                                        r"int32 indices, got float32"):
        m(wl.ones(2))
    with pytest.raises(IndexError, match=r"Embedding\(10, 3, padding_idx=1\): index 10 is out "
                                         r"of range \(expected 0 <= index < 10\)"):
        m(wl.tensor([[0, 10]]))
    with pytest.raises(IndexError, match="index -1"):
        m(wl.tensor([-1]))
    with pytest.raises(ValueError, match="padding_idx 10"):
        nn.Embedding(10, 3, padding_idx=10)
    with pytest.raises(IndexError, match="embedding: index 7 is out of range for 6 embeddings"):
        F.embedding(wl.tensor([7]), wl.ones(6, 2))
    with pytest.raises(ValueError, match=r"embedding: weight must be 2-D .*\(6,\)"):
        F.embedding(wl.tensor([1]), wl.ones(6))
    with pytest.raises(ValueError, match=r"_weight must have shape \(10, 3\)"):
        nn.Embedding(10, 3, _weight=wl.ones(3, 10))
