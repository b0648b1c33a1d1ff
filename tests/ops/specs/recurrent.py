"""Op-spec rows: the fused GRU and LSTM cells and their gradient primitives, against NumPy
references of torch's formulas and (for the cells) PyTorch running the same formulas op by op;
the gradient primitives' rows are differentiated again by the second-order checks."""
import numpy as np
import torch

from wonderland.ops.recurrent import (
    GruCell,
    GruCellGrad,
    LstmCell,
    LstmCellGrad,
    gru_cell_gates,
    lstm_cell_gates,
)

from ..spec import real, spec

ROUNDED_ONCE = {"float16_oracle": "float32"}  # PyTorch's float16 ops would round at each op


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _np_gru_parts(gi, gh, h):
    i_r, i_z, i_n = np.split(gi, 3, -1)
    h_r, h_z, h_n = np.split(gh, 3, -1)
    r, z = _sig(i_r + h_r), _sig(i_z + h_z)
    return r, z, np.tanh(i_n + r * h_n), h_n


def _np_gru(gi, gh, h):
    _, z, n, _ = _np_gru_parts(gi, gh, h)
    return (1 - z) * n + z * h


def _np_gru_grad(g, gi, gh, h):
    r, z, n, h_n = _np_gru_parts(gi, gh, h)
    a_n = g * (1 - z) * (1 - n * n)
    a_z = g * (h - n) * z * (1 - z)
    a_r = a_n * h_n * r * (1 - r)
    return np.concatenate([a_r, a_z, a_n, a_r, a_z, a_n * r, g * z], -1)


def _torch_gru(gi, gh, h):
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = gh.chunk(3, -1)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h


def _np_lstm_parts(gates, c):
    a_i, a_f, a_g, a_o = np.split(gates, 4, -1)
    i, f, g, o = _sig(a_i), _sig(a_f), np.tanh(a_g), _sig(a_o)
    c2 = f * c + i * g
    return i, f, g, o, c2


def _np_lstm(gates, c):
    *_, o, c2 = _np_lstm_parts(gates, c)
    return np.concatenate([o * np.tanh(c2), c2], -1)


def _np_lstm_grad(gy, gates, c):
    i, f, g, o, c2 = _np_lstm_parts(gates, c)
    g_h, g_c = np.split(gy, 2, -1)
    tc = np.tanh(c2)
    d = g_c + g_h * o * (1 - tc * tc)
    return np.concatenate([d * g * i * (1 - i), d * c * f * (1 - f), d * i * (1 - g * g),
                           g_h * tc * o * (1 - o), d * f], -1)


def _torch_lstm(gates, c):
    a_i, a_f, a_g, a_o = gates.chunk(4, -1)
    c2 = torch.sigmoid(a_f) * c + torch.sigmoid(a_i) * torch.tanh(a_g)
    return torch.cat([torch.sigmoid(a_o) * torch.tanh(c2), c2], -1)


def _lstm_public(gates, c):
    h2, c2 = lstm_cell_gates(gates, c)
    return h2 * 2 + c2  # both outputs of the public function, through its views


GRU = ("GruCell", "GruCellGrad")
LSTM = ("LstmCell", "LstmCellGrad")

SPECS = [
    spec("gru_cell", GRU, gru_cell_gates, [real(3, 6), real(3, 6), real(3, 2)], _np_gru,
         _torch_gru, tags=ROUNDED_ONCE),
    spec("gru_cell_batch_dims", GRU, lambda gi, gh, h: GruCell()(gi, gh, h),
         [real(2, 2, 3), real(2, 2, 3), real(2, 2, 1)], _np_gru, _torch_gru, tags=ROUNDED_ONCE),
    spec("gru_cell_unbatched", GRU, gru_cell_gates, [real(6), real(6), real(2)], _np_gru,
         _torch_gru, tags=ROUNDED_ONCE),
    spec("gru_cell_grad", "GruCellGrad", lambda g, gi, gh, h: GruCellGrad()(g, gi, gh, h),
         [real(3, 2), real(3, 6), real(3, 6), real(3, 2)], _np_gru_grad),
    spec("lstm_cell", LSTM, lambda gates, c: LstmCell()(gates, c), [real(3, 8), real(3, 2)],
         _np_lstm, _torch_lstm, tags=ROUNDED_ONCE),
    spec("lstm_cell_public", LSTM, _lstm_public, [real(2, 3, 4), real(2, 3, 1)],
         lambda gates, c: (lambda y: y[..., :1] * 2 + y[..., 1:])(_np_lstm(gates, c)),
         lambda gates, c: (lambda y: y[..., :1] * 2 + y[..., 1:])(_torch_lstm(gates, c)),
         tags=ROUNDED_ONCE),
    spec("lstm_cell_grad", "LstmCellGrad", lambda gy, gates, c: LstmCellGrad()(gy, gates, c),
         [real(3, 4), real(3, 8), real(3, 2)], _np_lstm_grad),
]
