"""RNN, GRU, LSTM and their cells against PyTorch with identical weights and inputs (float64):
outputs, final states, input, state and parameter gradients; names, init and errors."""
import math

import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland import nn

from .torch_twins import TOL, close, load_from, pair

RNG = np.random.default_rng(0)
LAYERS = {"RNN": (nn.RNN, torch.nn.RNN), "GRU": (nn.GRU, torch.nn.GRU),
          "LSTM": (nn.LSTM, torch.nn.LSTM)}
CELLS = {"RNNCell": (nn.RNNCell, torch.nn.RNNCell), "GRUCell": (nn.GRUCell, torch.nn.GRUCell),
         "LSTMCell": (nn.LSTMCell, torch.nn.LSTMCell)}


def flat(out):
    """(output, h_n) or (output, (h_n, c_n)) as a flat list."""
    return [out[0], *out[1]] if isinstance(out[1], tuple) else list(out)


def backward_both(w_outs, t_outs):
    w_loss = t_loss = 0
    for w, t in zip(w_outs, t_outs):
        g = RNG.standard_normal(tuple(t.shape))
        w_loss = w_loss + (w * wl.tensor(g)).sum()
        t_loss = t_loss + (t * torch.tensor(g)).sum()
    w_loss.backward()
    t_loss.backward()


def check_params(mod, ref_mod):
    ref_params = dict(ref_mod.named_parameters())
    assert list(dict(mod.named_parameters())) == list(ref_params)
    for name, p in mod.named_parameters():
        close(p.grad, ref_params[name].grad)


SEQ_CASES = {
    "one_layer": dict(),
    "two_layers": dict(num_layers=2),
    "bidirectional": dict(bidirectional=True),
    "two_layers_bidirectional_batch_first": dict(num_layers=2, bidirectional=True,
                                                 batch_first=True),
    "initial_state": dict(num_layers=2, initial_state=True),
    "initial_state_bidirectional": dict(bidirectional=True, initial_state=True,
                                        batch_first=True),
    "no_bias": dict(bias=False, num_layers=2),
    "unbatched": dict(unbatched=True, bidirectional=True),
    "unbatched_initial_state": dict(unbatched=True, num_layers=2, initial_state=True),
    "eval": dict(num_layers=2, eval=True),
}
EXTRA = [("RNN", "relu", dict(nonlinearity="relu", num_layers=2, bidirectional=True)),
         ("RNN", "relu_unbatched", dict(nonlinearity="relu", unbatched=True)),
         ("LSTM", "proj", dict(proj_size=2, num_layers=2, bidirectional=True,
                               initial_state=True)),
         ("LSTM", "proj_unbatched", dict(proj_size=3, unbatched=True))]


def _seq_params():
    cases = [(kind, name, cfg) for kind in LAYERS for name, cfg in SEQ_CASES.items()] + EXTRA
    return [pytest.param(*c, id=f"{c[0]}-{c[1]}") for c in cases]


@pytest.mark.parametrize("kind, name, cfg", _seq_params())
def test_sequence_layers_match_torch(kind, name, cfg):
    cfg = dict(cfg)
    unbatched, initial, evaluate = (cfg.pop(k, False) for k in ("unbatched", "initial_state",
                                                                 "eval"))
    w_cls, t_cls = LAYERS[kind]
    h_in, hidden, length, batch = 3, 4, 5, 2
    ref_mod = t_cls(h_in, hidden, dtype=torch.float64, **cfg)
    mod = load_from(w_cls(h_in, hidden, **cfg), ref_mod)
    if evaluate:
        mod.eval(), ref_mod.eval()
    shape = (length, h_in) if unbatched else \
        (batch, length, h_in) if cfg.get("batch_first") else (length, batch, h_in)
    wx, tx = pair(RNG.standard_normal(shape))
    w_args, t_args, states = [wx], [tx], []
    if initial:
        d_layers = (2 if cfg.get("bidirectional") else 1) * cfg.get("num_layers", 1)
        lead = (d_layers,) if unbatched else (d_layers, batch)
        h_size = cfg.get("proj_size") or hidden
        states = [pair(RNG.standard_normal(lead + (h_size,)))]
        if kind == "LSTM":
            states.append(pair(RNG.standard_normal(lead + (hidden,))))
        w_state = tuple(s[0] for s in states) if kind == "LSTM" else states[0][0]
        t_state = tuple(s[1] for s in states) if kind == "LSTM" else states[0][1]
        w_args.append(w_state), t_args.append(t_state)
    w_outs, t_outs = flat(mod(*w_args)), flat(ref_mod(*t_args))
    for w, t in zip(w_outs, t_outs):
        assert w.shape == tuple(t.shape)
        close(w, t)
    backward_both(w_outs, t_outs)
    close(wx.grad, tx.grad)
    for w, t in states:
        close(w.grad, t.grad)
    check_params(mod, ref_mod)


@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("unbatched, initial", [(False, False), (False, True), (True, True)])
def test_cells_match_torch(kind, unbatched, initial):
    w_cls, t_cls = CELLS[kind]
    ref_mod = t_cls(3, 4, dtype=torch.float64)
    mod = load_from(w_cls(3, 4), ref_mod)
    lead = () if unbatched else (2,)
    wx, tx = pair(RNG.standard_normal(lead + (3,)))
    states = [pair(RNG.standard_normal(lead + (4,))) for _ in range(2 if kind == "LSTMCell"
                                                                      else 1)] if initial else []
    if states and kind == "LSTMCell":
        w_out = mod(wx, tuple(s[0] for s in states))
        t_out = ref_mod(tx, tuple(s[1] for s in states))
    elif states:
        w_out, t_out = mod(wx, states[0][0]), ref_mod(tx, states[0][1])
    else:
        w_out, t_out = mod(wx), ref_mod(tx)
    w_outs = list(w_out) if isinstance(w_out, tuple) else [w_out]
    t_outs = list(t_out) if isinstance(t_out, tuple) else [t_out]
    for w, t in zip(w_outs, t_outs):
        close(w, t)
    backward_both(w_outs, t_outs)
    close(wx.grad, tx.grad)
    for w, t in states:
        close(w.grad, t.grad)
    check_params(mod, ref_mod)


def test_rnn_cell_relu_and_no_bias():
    ref_mod = torch.nn.RNNCell(3, 4, bias=False, nonlinearity="relu", dtype=torch.float64)
    mod = load_from(nn.RNNCell(3, 4, bias=False, nonlinearity="relu"), ref_mod)
    wx, tx = pair(RNG.standard_normal((5, 3)))
    close(mod(wx), ref_mod(tx))


@pytest.mark.parametrize("kind", list(LAYERS))
def test_dropout_between_layers(kind):
    w_cls, t_cls = LAYERS[kind]
    ref_mod = t_cls(3, 4, num_layers=2, dropout=0.5, dtype=torch.float64)
    mod = load_from(w_cls(3, 4, num_layers=2, dropout=0.5), ref_mod)
    wx, tx = pair(RNG.standard_normal((5, 2, 3)), grad=False)
    out = flat(mod(wx))
    assert [o.shape for o in out] == [tuple(o.shape) for o in flat(ref_mod(tx))]
    mod.eval(), ref_mod.eval()
    for w, t in zip(flat(mod(wx)), flat(ref_mod(tx))):
        close(w, t)
    with pytest.warns(UserWarning, match="num_layers=1"):
        w_cls(3, 4, dropout=0.5)


@pytest.mark.parametrize("kind", list(LAYERS) + list(CELLS))
def test_names_shapes_and_init_as_torch(kind):
    w_cls, t_cls = {**LAYERS, **CELLS}[kind]
    kwargs = {} if kind.endswith("Cell") else dict(num_layers=2, bidirectional=True)
    mine, ref = w_cls(3, 5, **kwargs).state_dict(), t_cls(3, 5, **kwargs).state_dict()
    assert {k: v.shape for k, v in mine.items()} == {k: tuple(v.shape) for k, v in ref.items()}
    values = np.concatenate([v.numpy().ravel() for v in mine.values()])
    bound = 1 / math.sqrt(5)
    assert np.abs(values).max() <= bound and values.std() > 0.4 * bound


def test_errors_name_the_layer_and_shapes():
    lstm = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(ValueError, match=r"LSTM: expected input with last dim input_size=3, "
                                         r"got shape \(5, 2, 6\)"):
        lstm(wl.randn(5, 2, 6))
    with pytest.raises(ValueError, match=r"GRU: expected input of 3 dims.*\(1, 5, 2, 3\)"):
        nn.GRU(3, 4)(wl.randn(1, 5, 2, 3))
    with pytest.raises(ValueError, match=r"LSTM: expected c_0 of shape \(2, 2, 4\), got "
                                         r"\(1, 2, 4\)"):
        lstm(wl.randn(5, 2, 3), (wl.zeros(2, 2, 4), wl.zeros(1, 2, 4)))
    with pytest.raises(ValueError, match=r"RNN: expected h_0 of shape \(2, 2, 4\)"):
        nn.RNN(3, 4, bidirectional=True)(wl.randn(5, 2, 3), wl.zeros(1, 2, 4))
    with pytest.raises(ValueError, match=r"GRUCell: expected input with last dim "
                                         r"input_size=3, got shape \(2, 5\)"):
        nn.GRUCell(3, 4)(wl.randn(2, 5))
    with pytest.raises(ValueError, match=r"RNNCell: expected hx of shape \(2, 4\), got \(4,\)"):
        nn.RNNCell(3, 4)(wl.randn(2, 3), wl.zeros(4))
    with pytest.raises(ValueError, match="unknown nonlinearity 'gelu'"):
        nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="dropout should be a number in"):
        nn.GRU(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="proj_size"):
        nn.LSTM(3, 4, proj_size=4)


def test_cells_gradcheck_and_vmap():
    from wonderland.functional.recurrent import gru_cell, lstm_cell

    def leaf(*shape):
        return wl.tensor(RNG.standard_normal(shape), dtype=wl.float64, requires_grad=True)

    x, h, c, w_ih, w_hh = leaf(2, 3), leaf(2, 2), leaf(2, 2), leaf(8, 3), leaf(8, 2)
    assert wl.autograd.gradcheck(lambda x, h, c, w_ih, w_hh: lstm_cell(x, (h, c), w_ih, w_hh),
                                 (x, h, c, w_ih, w_hh), order=1)
    w_ih, w_hh, b = leaf(6, 3), leaf(6, 2), leaf(6)
    per_row = wl.func.vmap(lambda x, h: gru_cell(x, h, w_ih, w_hh, b, b))(x, h)
    np.testing.assert_allclose(per_row.detach().numpy(),
                               gru_cell(x, h, w_ih, w_hh, b, b).detach().numpy(), **TOL)
