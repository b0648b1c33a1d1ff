"""Recurrent cells (rnn_tanh_cell, rnn_relu_cell, gru_cell, lstm_cell) and the multi-layer,
bidirectional sequence loop `recurrent` behind nn.RNN, nn.GRU and nn.LSTM (torch's gate order)."""
# ruff: noqa: A002  (PyTorch's argument name `input`)
from __future__ import annotations

from collections.abc import Sequence

from ..core.random import Generator
from ..core.tensor import Tensor
from ..ops import cat, stack
from ..ops.recurrent import gru_cell_gates, lstm_cell_gates
from .linear import dropout, linear

__all__ = ["rnn_tanh_cell", "rnn_relu_cell", "gru_cell", "lstm_cell", "recurrent"]

MODES = ("RNN_TANH", "RNN_RELU", "GRU", "LSTM")


def _hidden(h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    return linear(h, w_hh, b_hh)


def _rnn_step(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None, relu: bool) -> Tensor:
    pre = gi + _hidden(h, w_hh, b_hh)
    return pre.relu() if relu else pre.tanh()


def _gru_step(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """Gates r, z, n: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); h' = (1 - z) n + z h,
    as one fused primitive (wonderland.ops.recurrent.GruCell)."""
    return gru_cell_gates(gi, _hidden(h, w_hh, b_hh), h)


def _lstm_step(gi: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh: Tensor | None,
               w_hr: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Gates i, f, g, o: c' = f c + i g; h' = o tanh(c'), projected by w_hr if given; the gates
    are one fused primitive (wonderland.ops.recurrent.LstmCell)."""
    h, c = lstm_cell_gates(gi + _hidden(h, w_hh, b_hh), c)
    return (h if w_hr is None else h @ w_hr.mT), c


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh)."""
    return _rnn_step(linear(input, w_ih, b_ih), hx, w_hh, b_hh, relu=False)


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """h' = relu(W_ih x + b_ih + W_hh h + b_hh)."""
    return _rnn_step(linear(input, w_ih, b_ih), hx, w_hh, b_hh, relu=True)


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
             b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One GRU step, torch's formulation (gate rows ordered r, z, n)."""
    return _gru_step(linear(input, w_ih, b_ih), hx, w_hh, b_hh)


def lstm_cell(input: Tensor, hx: tuple[Tensor, Tensor], w_ih: Tensor, w_hh: Tensor,
              b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step (gate rows ordered i, f, g, o): returns (h', c')."""
    return _lstm_step(linear(input, w_ih, b_ih), hx[0], hx[1], w_hh, b_hh)


def _run_direction(mode: str, gis: tuple[Tensor, ...], h: Tensor, c: Tensor | None, w: tuple,
                   reverse: bool) -> tuple[list[Tensor], Tensor, Tensor | None]:
    """Walk one layer in one direction over the precomputed input projections gis[t]."""
    w_hh, b_hh, w_hr = w[1], w[3], w[4] if len(w) > 4 else None
    out: list = [None] * len(gis)
    for t in (reversed(range(len(gis))) if reverse else range(len(gis))):
        if mode == "LSTM":
            h, c = _lstm_step(gis[t], h, c, w_hh, b_hh, w_hr)
        elif mode == "GRU":
            h = _gru_step(gis[t], h, w_hh, b_hh)
        else:
            h = _rnn_step(gis[t], h, w_hh, b_hh, relu=mode == "RNN_RELU")
        out[t] = h
    return out, h, c


def recurrent(mode: str, input: Tensor, hx: Tensor | tuple[Tensor, Tensor],
              weights: Sequence[tuple], num_layers: int, dropout_p: float = 0.0,
              training: bool = True, bidirectional: bool = False, batch_first: bool = False,
              generator: Generator | None = None):
    """A stack of recurrent layers over a batched sequence, as torch's RNN/GRU/LSTM forward.

    mode: 'RNN_TANH', 'RNN_RELU', 'GRU' or 'LSTM'. input (L, N, H_in) ((N, L, H_in) if
    batch_first); hx (D * num_layers, N, H_out), for LSTM a pair (h_0, c_0). weights: one tuple
    (w_ih, w_hh, b_ih, b_hh[, w_hr]) per layer and direction, layer-major (biases may be None).
    Dropout acts on the outputs of every layer but the last while training.
    Returns (output (L, N, D * H_out), h_n), with h_n a pair (h_n, c_n) for LSTM."""
    if mode not in MODES:
        raise ValueError(f"recurrent: mode must be one of {MODES}, got {mode!r}")
    dirs = 2 if bidirectional else 1
    if len(weights) != num_layers * dirs:
        raise ValueError(f"recurrent: expected {num_layers * dirs} weight tuples "
                         f"(num_layers x directions), got {len(weights)}")
    h0, c0 = hx if mode == "LSTM" else (hx, None)
    x = input.transpose(0, 1) if batch_first else input
    h_n, c_n = [], []
    for layer in range(num_layers):
        outs = []
        # Step t's input projection is made from x[t]. (Projecting the whole sequence at once
        # and unbinding the result costs more: each index's gradient is a zero tensor of the
        # whole (L, N, gates * H_out) projection, and adding L of them up grows as L^2; the
        # GRU benchmark's step, L = 50, took 1.5-2x as long that way.)
        xs = x.unbind(0)
        for d in range(dirs):
            k = layer * dirs + d
            w = weights[k]
            gis = [linear(xt, w[0], w[2]) for xt in xs]
            out, h, c = _run_direction(mode, gis, h0[k], None if c0 is None else c0[k], w,
                                       reverse=d == 1)
            outs.append(stack(out))
            h_n.append(h)
            c_n.append(c)
        x = outs[0] if dirs == 1 else cat(outs, -1)
        if layer < num_layers - 1:
            x = dropout(x, dropout_p, training=training, generator=generator)
    output = x.transpose(0, 1) if batch_first else x
    return output, ((stack(h_n), stack(c_n)) if mode == "LSTM" else stack(h_n))
