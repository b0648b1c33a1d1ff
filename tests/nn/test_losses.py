"""Losses against PyTorch with identical inputs: values and input gradients in float64 (and
float32), across reductions, class weights, ignore_index, label smoothing, probability targets,
higher-dimensional inputs and pos_weight; stability at +-1e4, gradcheck, vmap and errors."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from scipy.special import log_softmax

import wonderland as wl
import wonderland.nn.functional as F
from wonderland import func, nn
from wonderland.autodiff import gradcheck

REDUCTIONS = ["mean", "sum", "none"]
TOL = {np.float64: (1e-10, 1e-12), np.float32: (2e-5, 1e-5)}


def rng():
    return np.random.default_rng(0)


def compare(wl_fn, torch_fn, arrays, diff=(0,)):
    """Call both on tensors made from `arrays` (those in `diff` require grad); compare the
    outputs, then the gradients of <output, g> for a fixed random g."""
    rtol, atol = TOL[next(a.dtype.type for a in arrays if a.dtype.kind == "f")]
    ws = [wl.tensor(a, requires_grad=i in diff) for i, a in enumerate(arrays)]
    ts = [torch.tensor(a, requires_grad=i in diff) for i, a in enumerate(arrays)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's kl_div 'mean' warning
        out_w, out_t = wl_fn(*ws), torch_fn(*ts)
    np.testing.assert_allclose(out_w.detach().numpy(), out_t.detach().numpy(), rtol, atol)
    g = np.random.default_rng(1).normal(size=out_t.shape).astype(arrays[diff[0]].dtype)
    (out_w * wl.tensor(g)).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    for i in diff:
        np.testing.assert_allclose(ws[i].grad.numpy(), ts[i].grad.numpy(), rtol, atol)
    return out_w


def indexed_case(shape, ignore):
    """Logits (or log-probabilities) of `shape`, integer targets with some set to -100 when
    ignore == -100, class weights, and the ignore_index keyword."""
    r, classes = rng(), shape[0] if len(shape) == 1 else shape[1]
    if len(shape) == 1 and ignore == -100:
        ignore = None  # a lone ignored target makes the mean 0/0
    t = r.integers(0, classes, size=() if len(shape) == 1 else shape[:1] + shape[2:])
    if ignore == -100:
        t.reshape(-1)[::3] = -100
    x, w = r.normal(size=shape) * 3, r.uniform(0.5, 2.0, classes)
    return x, t, w, {} if ignore is None else {"ignore_index": ignore}


# --- cross_entropy and nll_loss ---------------------------------------------------------------
@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 2, 3), (5,)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [None, -100, 2])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_class_indices(shape, reduction, weighted, ignore, smoothing):
    x, t, w, kw = indexed_case(shape, ignore)
    kw |= {"reduction": reduction, "label_smoothing": smoothing}
    compare(lambda x, t, w: F.cross_entropy(x, t, w if weighted else None, **kw),
            lambda x, t, w: TF.cross_entropy(x, t, w if weighted else None, **kw), [x, t, w])


@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 2), (4,)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [None, -100, 1])
def test_nll_loss(shape, reduction, weighted, ignore):
    x, t, w, kw = indexed_case(shape, ignore)
    kw |= {"reduction": reduction}
    compare(lambda x, t, w: F.nll_loss(x, t, w if weighted else None, **kw),
            lambda x, t, w: TF.nll_loss(x, t, w if weighted else None, **kw), [x, t, w])


@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 2, 3), (5,)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_probabilities(shape, reduction, weighted, smoothing):
    r, cdim = rng(), 0 if len(shape) == 1 else 1
    x, p = r.normal(size=shape), r.uniform(size=shape)
    p /= p.sum(cdim, keepdims=True)
    w = r.uniform(0.5, 2.0, shape[cdim])
    kw = {"reduction": reduction, "label_smoothing": smoothing}
    compare(lambda x, p, w: F.cross_entropy(x, p, w if weighted else None, **kw),
            lambda x, p, w: TF.cross_entropy(x, p, w if weighted else None, **kw), [x, p, w],
            diff=(0, 1))


def test_cross_entropy_float32():
    r = rng()
    x, t = r.normal(size=(8, 6)).astype(np.float32), r.integers(0, 6, 8)
    w = r.uniform(0.5, 2, 6).astype(np.float32)
    out = compare(lambda x, t, w: F.cross_entropy(x, t, w, label_smoothing=0.1),
                  lambda x, t, w: TF.cross_entropy(x, t, w, label_smoothing=0.1), [x, t, w])
    assert out.dtype is wl.float32


# --- regression losses ------------------------------------------------------------------------
POINTWISE = [  # "weight": True passes a weight of the input's shape
    ("mse", F.mse_loss, TF.mse_loss, {}),
    ("mse", F.mse_loss, TF.mse_loss, {"weight": True}),
    ("l1", F.l1_loss, TF.l1_loss, {}),
    ("l1", F.l1_loss, TF.l1_loss, {"weight": True}),
    ("smooth_l1", F.smooth_l1_loss, TF.smooth_l1_loss, {}),
    ("smooth_l1", F.smooth_l1_loss, TF.smooth_l1_loss, {"beta": 0.5}),
    ("smooth_l1", F.smooth_l1_loss, TF.smooth_l1_loss, {"beta": 0.0}),
    ("huber", F.huber_loss, TF.huber_loss, {}),
    ("huber", F.huber_loss, TF.huber_loss, {"delta": 0.4, "weight": True}),
]


@pytest.mark.parametrize("name,wl_fn,torch_fn,kw", POINTWISE,
                         ids=[f"{n}-{kw}" for n, _, _, kw in POINTWISE])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pointwise_losses(name, wl_fn, torch_fn, kw, reduction, dtype):
    r = rng()
    x, y = (r.normal(size=(2, 4, 3)) * 2).astype(dtype), r.normal(size=(2, 4, 3)).astype(dtype)
    w = r.uniform(0.1, 2, (2, 4, 3)).astype(dtype)
    kw = kw | {"reduction": reduction}

    def call(fn):
        return lambda x, y, w: fn(x, y, **(kw | {"weight": w} if kw.get("weight") else kw))

    compare(call(wl_fn), call(torch_fn), [x, y, w], diff=(0, 1))


# --- binary cross-entropy, kl_div, cosine embedding -------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(reduction, weighted):
    r = rng()
    p, t, w = r.uniform(0.01, 0.99, (6, 4)), r.uniform(size=(6, 4)), r.uniform(0.5, 2, (6, 4))
    compare(lambda p, t, w: F.binary_cross_entropy(p, t, w if weighted else None, reduction),
            lambda p, t, w: TF.binary_cross_entropy(p, t, w if weighted else None,
                                                    reduction=reduction), [p, t, w])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos_weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_with_logits(reduction, weighted, pos_weighted, dtype):
    r = rng()
    x, t = (r.normal(size=(6, 4)) * 4).astype(dtype), r.uniform(size=(6, 4)).astype(dtype)
    w, pw = r.uniform(0.5, 2, (6, 4)).astype(dtype), r.uniform(0.5, 3, 4).astype(dtype)
    kw = {"reduction": reduction}
    compare(lambda x, t, w, pw: F.binary_cross_entropy_with_logits(
                x, t, w if weighted else None, pos_weight=pw if pos_weighted else None, **kw),
            lambda x, t, w, pw: TF.binary_cross_entropy_with_logits(
                x, t, w if weighted else None, pos_weight=pw if pos_weighted else None, **kw),
            [x, t, w, pw], diff=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    r = rng()
    x = np.log(r.dirichlet(np.ones(5), size=4))
    t = r.dirichlet(np.ones(5), size=4)
    t[0, 1] = 0.0  # a zero-probability target contributes 0
    t = np.log(t + 1e-3) if log_target else t
    compare(lambda x, t: F.kl_div(x, t, reduction, log_target),
            lambda x, t: TF.kl_div(x, t, reduction=reduction, log_target=log_target), [x, t])


@pytest.mark.parametrize("shape", [(6, 4), (4,)])
@pytest.mark.parametrize("margin", [0.0, 0.3])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_loss(shape, margin, reduction):
    r = rng()
    a, b = r.normal(size=shape), r.normal(size=shape)
    y = r.choice([-1.0, 1.0], size=shape[:-1])
    compare(lambda a, b, y: F.cosine_embedding_loss(a, b, y, margin, reduction),
            lambda a, b, y: TF.cosine_embedding_loss(a, b, y, margin, reduction=reduction),
            [a, b, y], diff=(0, 1))


# --- modules ----------------------------------------------------------------------------------
W3 = np.array([0.5, 1.0, 2.0])
MODULES = [
    (nn.CrossEntropyLoss, torch.nn.CrossEntropyLoss,
     {"weight": W3, "ignore_index": 0, "label_smoothing": 0.1}, "classes"),
    (nn.NLLLoss, torch.nn.NLLLoss, {"weight": W3, "reduction": "sum"}, "classes"),
    (nn.MSELoss, torch.nn.MSELoss, {}, "real"),
    (nn.L1Loss, torch.nn.L1Loss, {"reduction": "none"}, "real"),
    (nn.SmoothL1Loss, torch.nn.SmoothL1Loss, {"beta": 0.7}, "real"),
    (nn.HuberLoss, torch.nn.HuberLoss, {"delta": 0.6, "reduction": "sum"}, "real"),
    (nn.BCELoss, torch.nn.BCELoss, {"weight": W3}, "prob"),
    (nn.BCEWithLogitsLoss, torch.nn.BCEWithLogitsLoss, {"pos_weight": W3}, "soft"),
    (nn.KLDivLoss, torch.nn.KLDivLoss, {"reduction": "batchmean", "log_target": True}, "real"),
    (nn.CosineEmbeddingLoss, torch.nn.CosineEmbeddingLoss, {"margin": 0.2}, "pair"),
]


@pytest.mark.parametrize("wl_cls,torch_cls,kw,kind", MODULES,
                         ids=[m[0].__name__ for m in MODULES])
def test_loss_modules(wl_cls, torch_cls, kw, kind):
    r = rng()
    x = r.normal(size=(5, 3))
    t = {"classes": r.integers(0, 3, 5), "real": r.normal(size=(5, 3)),
         "prob": r.uniform(size=(5, 3)), "soft": r.uniform(size=(5, 3)),
         "pair": r.normal(size=(5, 3))}[kind]
    x = r.uniform(0.05, 0.95, (5, 3)) if kind == "prob" else x
    arrays = [x, t, r.choice([-1.0, 1.0], 5)] if kind == "pair" else [x, t]
    w_mod = wl_cls(**{k: wl.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()})
    t_mod = torch_cls(**{k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                         for k, v in kw.items()})
    compare(w_mod, t_mod, arrays, diff=(0, 1) if kind == "pair" else (0,))
    assert set(w_mod.state_dict()) == set(t_mod.state_dict())


# --- stability --------------------------------------------------------------------------------
EXTREME = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, -1e4], [-1e4, 0.0, 5.0]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_extreme_logits(dtype):
    x, t = EXTREME.astype(dtype), np.array([1, 0, 2, 2])
    out = compare(lambda x, t: F.cross_entropy(x, t, reduction="none", label_smoothing=0.1),
                  lambda x, t: TF.cross_entropy(x, t, reduction="none", label_smoothing=0.1),
                  [x, t])
    assert np.isfinite(out.detach().numpy()).all()
    p = np.full_like(x, 1 / 3)
    compare(lambda x, p: F.cross_entropy(x, p), lambda x, p: TF.cross_entropy(x, p), [x, p])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_with_logits_extreme(dtype):
    x = EXTREME.astype(dtype)
    t = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.5, 1.0], [1.0, 0.0, 0.0]], dtype)
    pw = np.array([2.0, 0.5, 1.0], dtype)
    out = compare(lambda x, t, pw: F.binary_cross_entropy_with_logits(x, t, reduction="none",
                                                                      pos_weight=pw),
                  lambda x, t, pw: TF.binary_cross_entropy_with_logits(x, t, reduction="none",
                                                                       pos_weight=pw),
                  [x, t, pw], diff=(0, 1))
    assert np.isfinite(out.detach().numpy()).all()


def test_bce_at_zero_and_one():
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    t = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    pw = wl.tensor(p, requires_grad=True)
    out = F.binary_cross_entropy(pw, wl.tensor(t), reduction="none")
    expected = TF.binary_cross_entropy(torch.tensor(p), torch.tensor(t), reduction="none")
    np.testing.assert_allclose(out.detach().numpy(), expected.numpy())  # 100 where log clamps
    out.sum().backward()
    assert np.isfinite(pw.grad.numpy()).all()


def test_kl_div_and_nll_extreme():
    x = log_softmax(EXTREME, axis=1)  # entries down to -2e4
    t = np.full_like(x, 1 / 3)
    compare(lambda x, t: F.kl_div(x, t, "batchmean"),
            lambda x, t: TF.kl_div(x, t, reduction="batchmean"), [x, t])
    compare(lambda x, t: F.nll_loss(x, t), lambda x, t: TF.nll_loss(x, t), [x, np.arange(4) % 3])


# --- derivatives in every mode ----------------------------------------------------------------
def test_gradcheck_losses():
    r = rng()
    x = wl.tensor(r.normal(size=(4, 3, 2)), requires_grad=True)
    t = wl.tensor(np.array([[0, 2], [1, 1], [2, -100], [0, 1]]))
    w = wl.tensor([0.5, 1.0, 2.0], dtype=wl.float64)
    gradcheck(lambda x: F.cross_entropy(x, t, w, label_smoothing=0.2), x)
    z = wl.tensor(r.normal(size=(3, 4)) * 3, requires_grad=True)
    y = wl.tensor(r.uniform(size=(3, 4)), requires_grad=True)
    pw = wl.tensor(r.uniform(0.5, 2, 4))
    gradcheck(lambda z, y: F.binary_cross_entropy_with_logits(z, y, pos_weight=pw), (z, y))
    gradcheck(lambda z, y: F.huber_loss(z, y, delta=0.5), (z, y))
    p = wl.tensor(r.uniform(0.1, 0.9, (3, 4)), requires_grad=True)
    gradcheck(lambda p, y: F.binary_cross_entropy(p, y), (p, y))
    gradcheck(lambda z: F.kl_div(z, y.detach(), "batchmean"), z)
    gradcheck(lambda z, y: F.cosine_embedding_loss(z, y, wl.tensor([1.0, -1.0, 1.0]), 0.1),
              (z, y))


def test_cross_entropy_per_example_gradients_under_vmap():
    r = rng()
    weight = wl.tensor(r.normal(size=(4, 5)))
    xs, ys = wl.tensor(r.normal(size=(7, 4))), wl.tensor(r.integers(0, 5, 7))
    cw = wl.tensor(r.uniform(0.5, 2, 5))

    def loss(w, x, y):
        return F.cross_entropy(x @ w, y, cw, label_smoothing=0.1)

    batched = func.vmap(func.grad(loss), in_axes=(None, 0, 0))(weight, xs, ys)
    for i in range(7):
        np.testing.assert_allclose(batched[i].numpy(),
                                   func.grad(loss)(weight, xs[i], ys[i]).numpy(), rtol=1e-12)


# --- errors -----------------------------------------------------------------------------------
def test_error_messages():
    x = wl.randn(4, 3)
    with pytest.raises(ValueError, match=r"cross_entropy: expected target of shape \(4,\) for "
                                         r"input of shape \(4, 3\), got \(5,\)"):
        F.cross_entropy(x, wl.tensor([0, 1, 2, 0, 1]))
    with pytest.raises(TypeError, match=r"cross_entropy: target must hold class indices.*"
                                        r"float32 of shape \(4, 2\)"):
        F.cross_entropy(x, wl.randn(4, 2))
    with pytest.raises(IndexError, match="nll_loss: target 3 is out of range for 3 classes"):
        F.nll_loss(x, wl.tensor([0, 1, 3, 0]))
    with pytest.raises(ValueError, match=r"cross_entropy: weight .* shape \(3,\); got \(2,\)"):
        F.cross_entropy(x, wl.tensor([0, 1, 2, 0]), weight=wl.ones(2))
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.cross_entropy(x, wl.tensor([0, 1, 2, 0]), reduction="avg")
    with pytest.raises(ValueError, match=r"mse_loss: expected target of the input's shape "
                                         r"\(4, 3\), got \(4, 1\)"):
        F.mse_loss(x, wl.randn(4, 1))
    with pytest.raises(ValueError, match="binary_cross_entropy: input must hold probabilities"):
        F.binary_cross_entropy(x, wl.rand(4, 3))
    with pytest.raises(ValueError, match=r"cosine_embedding_loss: expected target of shape "
                                         r"\(4,\)"):
        F.cosine_embedding_loss(x, x, wl.ones(3))
    with pytest.raises(ValueError, match="ignore_index is not supported"):
        F.cross_entropy(x, wl.rand(4, 3), ignore_index=1)
