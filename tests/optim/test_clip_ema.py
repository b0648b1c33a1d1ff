"""Gradient clipping against torch.nn.utils (same gradients: the returned norm and the clipped
gradients, for several norm types, nonfinite norms and mixed precisions) and the weight EMA
against a direct NumPy transcription of its formula."""
import math

import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland import nn
from wonderland.optim import EMA, ExponentialMovingAverage, clip_grad_norm_, clip_grad_value_

RNG = np.random.default_rng(0)
SHAPES = [(3, 4), (5,), (2, 3, 2), ()]
TOL = {np.float64: 1e-12, np.float32: 2e-6}


def grads(scale=1.0, dtype=np.float64, shapes=SHAPES):
    return [np.asarray(RNG.standard_normal(s) * scale, dtype=dtype) for s in shapes]


def pair(arrays):
    """The same gradients on wonderland and torch parameters (one without a gradient)."""
    wp, tp = [], []
    for a in arrays:
        w = wl.tensor(np.zeros_like(a), requires_grad=True)
        w.grad = wl.tensor(a.copy())
        t = torch.zeros(a.shape, dtype=torch.from_numpy(a).dtype, requires_grad=True)
        t.grad = torch.from_numpy(a.copy())
        wp.append(w)
        tp.append(t)
    wp.append(wl.zeros(2, requires_grad=True))  # no .grad: skipped by both
    tp.append(torch.zeros(2, requires_grad=True))
    return wp, tp


def check_same_grads(wp, tp, tol):
    for w, t in zip(wp, tp):
        if t.grad is None:
            assert w.grad is None
            continue
        np.testing.assert_allclose(w.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol * 1e-3)
        assert w.grad.numpy().dtype == t.grad.numpy().dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf, 2])
@pytest.mark.parametrize("scale,max_norm", [(1.0, 1.0), (10.0, 0.5), (0.01, 5.0)],
                         ids=["clips", "clips_hard", "below"])
def test_clip_grad_norm_matches_torch(dtype, norm_type, scale, max_norm):
    wp, tp = pair(grads(scale, dtype))
    total_w = clip_grad_norm_(wp, max_norm, norm_type=norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type=norm_type)
    assert isinstance(total_w, wl.Tensor) and total_w.shape == ()
    np.testing.assert_allclose(total_w.item(), total_t.item(), rtol=TOL[dtype])
    check_same_grads(wp, tp, TOL[dtype])
    after = float(np.linalg.norm(np.concatenate([w.grad.numpy().ravel() for w in wp[:-1]]),
                                 ord=norm_type))
    assert after <= max_norm * (1 + 1e-5) or total_t.item() <= max_norm


def test_clip_grad_norm_single_tensor_generator_and_empty():
    a = grads(5.0)[0]
    (w,), (t,) = (x[:1] for x in pair([a]))
    np.testing.assert_allclose(clip_grad_norm_(w, 1.0).item(),
                               torch.nn.utils.clip_grad_norm_(t, 1.0).item(), rtol=1e-12)
    check_same_grads([w], [t], 1e-12)
    wp, tp = pair(grads())
    np.testing.assert_allclose(clip_grad_norm_((p for p in wp), 0.1, 3).item(),
                               torch.nn.utils.clip_grad_norm_((p for p in tp), 0.1, 3).item(),
                               rtol=1e-12)
    check_same_grads(wp, tp, 1e-12)
    assert clip_grad_norm_([wl.zeros(2, requires_grad=True)], 1.0).item() == 0.0


@pytest.mark.filterwarnings("ignore:invalid value encountered")  # inf * 0 = nan, as in torch
@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("norm_type", [2.0, math.inf, 1.0])
def test_clip_grad_norm_nonfinite(bad, norm_type):
    arrays = grads()
    arrays[1][2] = bad
    wp, tp = pair(arrays)
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_(tp, 1.0, norm_type, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(wp, 1.0, norm_type, error_if_nonfinite=True)
    check_same_grads(wp, tp, 1e-12)  # an error leaves the gradients untouched
    total_w = clip_grad_norm_(wp, 1.0, norm_type)  # without the error: scaled by the norm
    total_t = torch.nn.utils.clip_grad_norm_(tp, 1.0, norm_type)
    np.testing.assert_equal(total_w.item(), total_t.item())
    for w, t in zip(wp[:-1], tp[:-1]):
        np.testing.assert_array_equal(w.grad.numpy(), t.grad.numpy())


def test_clip_grad_norm_mixed_precision():
    arrays = grads(3.0)
    arrays[0] = arrays[0].astype(np.float32)
    wp, tp = pair(arrays)
    total_w = clip_grad_norm_(wp, 1.0)
    total_t = torch.nn.utils.clip_grad_norm_(tp, 1.0)
    np.testing.assert_allclose(total_w.item(), total_t.item(), rtol=1e-6)
    check_same_grads(wp, tp, 2e-6)


def test_clip_grad_norm_keeps_the_grad_tensors():
    """In place: whoever holds a .grad tensor sees the clipped values."""
    wp, _ = pair(grads(10.0))
    held = [p.grad for p in wp[:-1]]
    clip_grad_norm_(wp, 1.0)
    assert all(h is p.grad for h, p in zip(held, wp))


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("clip_value", [0.1, 1.0, 5])
def test_clip_grad_value_matches_torch(dtype, clip_value):
    wp, tp = pair(grads(2.0, dtype))
    assert clip_grad_value_(wp, clip_value) is None
    torch.nn.utils.clip_grad_value_(tp, clip_value)
    for w, t in zip(wp[:-1], tp[:-1]):
        np.testing.assert_array_equal(w.grad.numpy(), t.grad.numpy())
    w = wl.tensor([3.0, -4.0], requires_grad=True)
    w.grad = wl.tensor([3.0, -4.0])
    clip_grad_value_(w, 1.5)
    np.testing.assert_array_equal(w.grad.numpy(), [1.5, -1.5])


# --- EMA ------------------------------------------------------------------------------------------
def numpy_ema(weights, decay, warmup, after=0):
    """shadow_t = d_t shadow_{t-1} + (1 - d_t) w_t, with d_t = min(decay, (1+t)/(10+t)) in
    warmup, counted from `after`, and 0 before it."""
    shadow = [w.copy() for w in weights[0]]
    for t, ws in enumerate(weights[1:]):
        k = t - after
        d = 0.0 if k < 0 else (min(decay, (1 + k) / (10 + k)) if warmup else decay)
        shadow = [d * s + (1 - d) * w for s, w in zip(shadow, ws)]
    return shadow


@pytest.mark.parametrize("decay,warmup,after", [(0.9, False, 0), (0.999, True, 0),
                                                (0.95, True, 5), (0.5, False, 3)])
def test_ema_matches_numpy_formula(decay, warmup, after):
    model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2)).double()
    opt = wl.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    ema = ExponentialMovingAverage(model, decay=decay, warmup=warmup, update_after_step=after)
    x, y = wl.randn(16, 4, dtype=wl.float64), wl.randn(16, 2, dtype=wl.float64)
    history = [[p.detach().numpy().copy() for p in model.parameters()]]
    for _ in range(40):
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        opt.step()
        ema.update()
        history.append([p.detach().numpy().copy() for p in model.parameters()])
    expected = numpy_ema(history, decay, warmup, after)
    for s, e in zip(ema.shadow, expected):
        np.testing.assert_allclose(s.numpy(), e, rtol=1e-12, atol=1e-14)
    assert ema.num_updates == 40
    if warmup:
        assert ema.get_decay(after) == 0.1 and ema.get_decay(after + 10**6) == decay


def test_ema_average_parameters_context_and_copy_to():
    model = nn.Linear(3, 2)
    ema = EMA(model.parameters(), decay=0.5)
    start = [p.detach().numpy().copy() for p in model.parameters()]
    with wl.no_grad():
        for p in model.parameters():
            p.data = p + 1.0
    ema.update()
    trained = [p.detach().numpy().copy() for p in model.parameters()]
    with ema.average_parameters():
        for p, s in zip(model.parameters(), start):
            np.testing.assert_allclose(p.detach().numpy(), s + 0.5, rtol=1e-6)
    for p, w in zip(model.parameters(), trained):
        np.testing.assert_array_equal(p.detach().numpy(), w)
    with pytest.raises(KeyError), ema.average_parameters():  # restored after an error, too
        raise KeyError("boom")
    for p, w in zip(model.parameters(), trained):
        np.testing.assert_array_equal(p.detach().numpy(), w)
    other = nn.Linear(3, 2)
    ema.copy_to(other)  # into another model of the same shapes
    for p, s in zip(other.parameters(), start):
        np.testing.assert_allclose(p.detach().numpy(), s + 0.5, rtol=1e-6)
    ema.update(other)  # the average of other's weights (which now equal the average)
    for p, s in zip(ema.shadow, start):
        np.testing.assert_allclose(p.numpy(), s + 0.5, rtol=1e-6)
    with pytest.raises(ValueError, match="expected"):
        ema.update(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="store"):
        ema.restore()


def test_ema_state_dict_round_trip():
    model = nn.Linear(3, 2)
    ema = EMA(model, decay=0.9, warmup=True)
    for _ in range(3):
        with wl.no_grad():
            for p in model.parameters():
                p.data = p * 0.9 + 0.1
        ema.update()
    state = ema.state_dict()
    fresh = EMA(model, decay=0.5)
    fresh.load_state_dict(state)
    assert (fresh.decay, fresh.warmup, fresh.num_updates) == (0.9, True, 3)
    ema.update()
    fresh.update()
    for a, b in zip(ema.shadow, fresh.shadow):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(ValueError, match="do not match"):
        EMA(nn.Linear(2, 2)).load_state_dict(state)
