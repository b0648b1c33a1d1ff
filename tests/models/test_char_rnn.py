"""CharRNN against a PyTorch twin with the same weights (GRU and LSTM, two layers, float64 and
float32): logits, final states, the loss and every gradient, including the initial state's; a
state carried across chunks; generation that carries the state equals generation that re-runs
the whole text each step (greedy and seeded sampling); and the errors."""
import numpy as np
import pytest
import torch
from torch import nn

import wonderland as wl
import wonderland.nn.functional as F
from wonderland.models import CharRNN
from wonderland.models.sampling import sample_next

TOL = {"float64": dict(rtol=1e-9, atol=1e-11), "float32": dict(rtol=2e-4, atol=2e-5)}
V, H, E, B, T = 11, 16, 7, 3, 6


class TorchCharRNN(nn.Module):
    """The twin: the same layers under the same names, so a state dict moves across unchanged."""

    def __init__(self, vocab_size, hidden_size, num_layers, cell, embedding_dim):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.rnn = {"gru": nn.GRU, "lstm": nn.LSTM}[cell](embedding_dim, hidden_size, num_layers,
                                                          batch_first=True)
        self.dropout = nn.Dropout(0.0)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, idx, state=None):
        out, state = self.rnn(self.embedding(idx), state)
        return self.head(self.dropout(out)), state


def make_pair(cell, dtype, **kwargs):
    model = CharRNN(V, H, num_layers=2, cell=cell, embedding_dim=E, **kwargs)
    model.to(dtype=getattr(wl, dtype))
    twin = TorchCharRNN(V, H, 2, cell, E).to(getattr(torch, dtype))
    state = model.state_dict()
    assert list(state) == list(twin.state_dict()), "parameter names differ from the twin's"
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in state.items()})
    model.eval(), twin.eval()
    return model, twin


def _states(cell, dtype, rng):
    n = 2 if cell == "lstm" else 1
    return [rng.standard_normal((2, B, H)).astype(dtype) for _ in range(n)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_matches_torch(cell, dtype):
    rng = np.random.default_rng(0)
    model, twin = make_pair(cell, dtype)
    idx, y = rng.integers(0, V, size=(B, T)), rng.integers(0, V, size=(B * T,))
    s0 = _states(cell, dtype, rng)
    ws0 = [wl.tensor(s, requires_grad=True) for s in s0]
    ts0 = [torch.tensor(s, requires_grad=True) for s in s0]
    pack = (lambda s: tuple(s)) if cell == "lstm" else (lambda s: s[0])
    logits, state = model(wl.tensor(idx), pack(ws0))
    ref, ref_state = twin(torch.from_numpy(idx), pack(ts0))
    assert logits.shape == (B, T, V) and logits.dtype == getattr(wl, dtype)
    np.testing.assert_allclose(logits.detach().numpy(), ref.detach().numpy(), **TOL[dtype])
    got_states = state if cell == "lstm" else (state,)
    ref_states = ref_state if cell == "lstm" else (ref_state,)
    for a, b in zip(got_states, ref_states, strict=True):
        assert a.shape == (2, B, H)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **TOL[dtype])

    # the loss also reads the final states, so their gradient paths are checked too
    loss = F.cross_entropy(logits.reshape(B * T, V), wl.tensor(y)) + \
        sum((s * s).sum() for s in got_states) * 0.1
    ref_loss = nn.functional.cross_entropy(ref.reshape(B * T, V), torch.from_numpy(y)) + \
        sum((s * s).sum() for s in ref_states) * 0.1
    np.testing.assert_allclose(loss.item(), ref_loss.item(), **TOL[dtype])
    loss.backward()
    ref_loss.backward()
    ref_params = dict(twin.named_parameters())
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), ref_params[name].grad.numpy(), err_msg=name,
                                   **TOL[dtype])
    for a, b in zip(ws0, ts0, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL[dtype])


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_state_carries_across_chunks(cell):
    model, _ = make_pair(cell, "float64")
    idx = wl.tensor(np.random.default_rng(1).integers(0, V, size=(B, T)))
    whole, _ = model(idx)
    first, state = model(idx[:, :2])
    rest, _ = model(idx[:, 2:], state)
    np.testing.assert_allclose(wl.cat([first, rest], dim=1).detach().numpy(),
                               whole.detach().numpy(), rtol=1e-12, atol=1e-12)


def _rerun_generate(model, idx, steps, generator=None, **kwargs):
    """The reference: every step re-runs the model over the whole text so far, from zeros."""
    with wl.no_grad():
        for _ in range(steps):
            logits, _ = model(idx)
            idx = wl.cat([idx, sample_next(logits[:, -1], generator=generator, **kwargs)], dim=1)
    return idx


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("kwargs", [dict(temperature=0.0), dict(temperature=0.8),
                                    dict(temperature=1.0, top_k=4), dict(top_p=0.9)])
def test_generation_carrying_state_equals_rerunning(cell, kwargs):
    model, _ = make_pair(cell, "float64")
    prompt = wl.tensor(np.random.default_rng(2).integers(0, V, size=(2, 4)))
    got = model.generate(prompt, 12, generator=wl.Generator(7), **kwargs)
    want = _rerun_generate(model, prompt, 12, generator=wl.Generator(7), **kwargs)
    assert got.shape == (2, 16) and str(got.dtype).endswith("int64")
    assert not got.requires_grad
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    np.testing.assert_array_equal(got.numpy()[:, :4], prompt.numpy())
    np.testing.assert_array_equal(model.generate(prompt, 0).numpy(), prompt.numpy())
    if kwargs.get("temperature") != 0.0:  # the generator decides the draws
        again = model.generate(prompt, 12, generator=wl.Generator(7), **kwargs)
        np.testing.assert_array_equal(again.numpy(), got.numpy())


def test_shapes_defaults_and_dropout():
    model = CharRNN(V, hidden_size=8, cell="lstm", dropout=0.5)
    assert model.embedding.weight.shape == (V, 8) and model.rnn.num_layers == 2
    assert model.rnn.dropout == 0.5 and CharRNN(V, 8, num_layers=1, dropout=0.5).rnn.dropout == 0
    idx = wl.tensor(np.random.default_rng(3).integers(0, V, size=(2, 5)))
    model.eval()
    a, b = model(idx)[0].detach().numpy(), model(idx)[0].detach().numpy()
    np.testing.assert_array_equal(a, b)
    model.train()
    assert not np.allclose(model(idx)[0].detach().numpy(), a)
    # one-hot in char-rnn is an embedding with embedding_dim == vocab_size: V*V + the rest
    n = CharRNN(V, H, cell="gru", embedding_dim=V).num_parameters()
    assert n == V * V + 3 * H * (V + H + 2) + 3 * H * (2 * H + 2) + H * V + V


def test_errors():
    with pytest.raises(ValueError, match="cell must be one of"):
        CharRNN(V, cell="rnn")
    with pytest.raises(ValueError, match="cell must be one of"):
        CharRNN(V, cell="GRU")
    model = CharRNN(V, 8)
    with pytest.raises(ValueError, match=r"idx of shape \(batch, time\)"):
        model(wl.tensor(np.zeros(4, dtype=np.int64)))
    with pytest.raises(ValueError, match="max_new_tokens must be >= 0"):
        model.generate(wl.tensor(np.zeros((1, 2), dtype=np.int64)), -1)
