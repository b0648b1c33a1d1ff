"""The fused GRU and LSTM cells (wonderland.ops.recurrent) against the composites they replaced:
a cell's values, gradients and second derivatives, and whole sequences (layers, directions,
LSTM projections) with their gradients, in float32 and float64."""
from __future__ import annotations

import numpy as np
import pytest

import wonderland as wl
from wonderland.functional.recurrent import gru_cell, lstm_cell, recurrent
from wonderland.ops.recurrent import gru_cell_gates

TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-12, atol=1e-12)}


# --- the composites, op by op (torch's formulas) -----------------------------------------------
def _gru_step(gi, h, w_hh, b_hh):
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = (h @ w_hh.mT + b_hh).chunk(3, -1)
    r, z = (i_r + h_r).sigmoid(), (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return n + z * (h - n)


def _lstm_step(gi, h, c, w_hh, b_hh, w_hr=None):
    i, f, g, o = (gi + h @ w_hh.mT + b_hh).chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    return (h if w_hr is None else h @ w_hr.mT), c


def _composite_recurrent(mode, x, h0, c0, weights, layers, dirs):
    """(output, h_n[, c_n]) of a stack of layers, one composite step at a time."""
    h_n, c_n = [], []
    for layer in range(layers):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            w_ih, w_hh, b_ih, b_hh, *w_hr = weights[k]
            h, c = h0[k], None if c0 is None else c0[k]
            out = [None] * x.shape[0]
            for t in (reversed(range(x.shape[0])) if d else range(x.shape[0])):
                gi = x[t] @ w_ih.mT + b_ih
                if mode == "LSTM":
                    h, c = _lstm_step(gi, h, c, w_hh, b_hh, *w_hr)
                else:
                    h = _gru_step(gi, h, w_hh, b_hh)
                out[t] = h
            outs.append(wl.stack(out))
            h_n.append(h)
            c_n.append(c)
        x = wl.cat(outs, -1)
    return (x, wl.stack(h_n)) + ((wl.stack(c_n),) if mode == "LSTM" else ())


# --- helpers -----------------------------------------------------------------------------------
def _tensors(arrays, dtype):
    return [wl.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]


def _grads(f, xs, second: bool):
    """f's outputs, the gradients of a weighted sum of them, and (second) the gradients of the
    squared norm of those gradients, as NumPy arrays."""
    ys = f(*xs)
    rng = np.random.default_rng(1)
    loss = sum((y * wl.tensor(rng.standard_normal(y.shape), dtype=y.dtype)).sum() for y in ys)
    first = wl.autograd.grad(loss, xs, create_graph=second)
    out = [y.detach().numpy() for y in ys] + [g.detach().numpy() for g in first]
    if second:
        again = wl.autograd.grad(sum((g * g).sum() for g in first), xs, materialize_grads=True)
        out += [g.detach().numpy() for g in again]
    return out


def _compare(fused, composite, arrays, dtype, second=True):
    for a, b in zip(_grads(fused, _tensors(arrays, dtype), second),
                    _grads(composite, _tensors(arrays, dtype), second), strict=True):
        np.testing.assert_allclose(a, b, **TOL[dtype])


# --- cells -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch", [(), (4,), (2, 3)])
def test_gru_cell_matches_the_composite(batch, dtype):
    rng = np.random.default_rng(0)
    hidden, n_in = 5, 3
    arrays = [rng.standard_normal(batch + (n_in,)), rng.standard_normal(batch + (hidden,)),
              rng.standard_normal((3 * hidden, n_in)), rng.standard_normal((3 * hidden, hidden)),
              rng.standard_normal(3 * hidden), rng.standard_normal(3 * hidden)]

    def composite(x, h, w_ih, w_hh, b_ih, b_hh):
        return (_gru_step(x @ w_ih.mT + b_ih, h, w_hh, b_hh),)

    def fused(*xs):
        return (gru_cell(*xs),)

    _compare(fused, composite, arrays, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch", [(), (4,)])
def test_lstm_cell_matches_the_composite(batch, dtype):
    rng = np.random.default_rng(0)
    hidden, n_in = 5, 3
    arrays = [rng.standard_normal(batch + (n_in,)), rng.standard_normal(batch + (hidden,)),
              rng.standard_normal(batch + (hidden,)), rng.standard_normal((4 * hidden, n_in)),
              rng.standard_normal((4 * hidden, hidden)), rng.standard_normal(4 * hidden),
              rng.standard_normal(4 * hidden)]

    def composite(x, h, c, w_ih, w_hh, b_ih, b_hh):
        return _lstm_step(x @ w_ih.mT + b_ih, h, c, w_hh, b_hh)

    def fused(x, h, c, *w):
        return lstm_cell(x, (h, c), *w)

    _compare(fused, composite, arrays, dtype)


def test_saturated_gates_stay_finite():
    # exp(-a) overflows for gates far below zero (a < -88 in float32): the sigmoid is then
    # exactly 0 (z = 0, so h' = n), without NaN in the value or the gradients
    gi = wl.tensor(np.concatenate([np.full((2, 4), -200.0), np.full((2, 2), 0.5)], -1)
                   .astype(np.float32), requires_grad=True)
    gh = wl.tensor(np.full((2, 6), 0.25, dtype=np.float32), requires_grad=True)
    h = wl.tensor(np.ones((2, 2), dtype=np.float32), requires_grad=True)
    y = gru_cell_gates(gi, gh, h)
    y.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), np.tanh(np.float32(0.5)))
    for t in (gi, gh, h):
        assert np.isfinite(t.grad.numpy()).all()
    np.testing.assert_array_equal(h.grad.numpy(), 0)  # dh = g z


# --- sequences ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode, layers, dirs, proj", [
    ("GRU", 1, 1, None), ("GRU", 2, 2, None), ("LSTM", 1, 1, None), ("LSTM", 2, 2, 3)])
def test_sequences_match_the_composite(mode, layers, dirs, proj, dtype):
    rng = np.random.default_rng(0)
    seq, batch, n_in, hidden = 6, 3, 4, 5
    gates = 3 if mode == "GRU" else 4
    out = proj or hidden
    arrays = [rng.standard_normal((seq, batch, n_in)),
              rng.standard_normal((layers * dirs, batch, out))]
    if mode == "LSTM":
        arrays.append(rng.standard_normal((layers * dirs, batch, hidden)))
    shapes = []
    for layer in range(layers):
        for _ in range(dirs):
            size = n_in if layer == 0 else out * dirs
            shapes.append([(gates * hidden, size), (gates * hidden, out), (gates * hidden,),
                           (gates * hidden,)] + ([(out, hidden)] if proj else []))
    for s in shapes:
        arrays += [rng.standard_normal(shape) * 0.5 for shape in s]
    n_state = 3 if mode == "LSTM" else 2

    def unpack(xs):
        x, states, flat = xs[0], xs[1:n_state], xs[n_state:]
        weights, k = [], 0
        for s in shapes:
            weights.append(tuple(flat[k:k + len(s)]))
            k += len(s)
        return x, states, weights

    def fused(*xs):
        x, states, weights = unpack(xs)
        hx = tuple(states) if mode == "LSTM" else states[0]
        output, h_n = recurrent(mode, x, hx, weights, layers, bidirectional=dirs == 2)
        return (output,) + (h_n if mode == "LSTM" else (h_n,))

    def composite(*xs):
        x, states, weights = unpack(xs)
        c0 = states[1] if mode == "LSTM" else None
        return _composite_recurrent(mode, x, states[0], c0, weights, layers, dirs)

    _compare(fused, composite, arrays, dtype, second=False)
