"""nn.utils against PyTorch in float64: parameters as a vector, weight_norm and spectral_norm
(state_dict keys, values, gradients, power-iteration buffers, removal), the sequence tools of
nn.utils.rnn and RNN/GRU/LSTM on PackedSequence; plus DataParallel, flatten_parameters and
clipping reached through nn.utils."""
import copy
import warnings

import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland import nn
from wonderland.nn.utils import rnn as wrnn

from .torch_twins import close, load_from, pair

RNG = np.random.default_rng(0)


def _load(ours, theirs):
    """ours with theirs's state (same keys, in the same order)."""
    assert list(ours.state_dict()) == list(theirs.state_dict())
    return load_from(ours, theirs)


def _compare_grads(ours, theirs):
    ref = dict(theirs.named_parameters())
    assert set(dict(ours.named_parameters())) == set(ref)
    for name, p in ours.named_parameters():
        close(p.grad, ref[name].grad)


def _backward_both(w_out, t_out):
    g = RNG.standard_normal(t_out.shape)
    w_out.backward(wl.tensor(g))
    t_out.backward(torch.tensor(g))


# --- parameters as one vector ------------------------------------------------------------------

def _twin_models():
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Conv1d(2, 3, 2)).double()
    return load_from(nn.Sequential(nn.Linear(3, 4), nn.Conv1d(2, 3, 2)), theirs), theirs


def test_parameters_to_vector_matches_torch_and_is_differentiable():
    ours, theirs = _twin_models()
    w_vec = nn.utils.parameters_to_vector(ours.parameters())
    t_vec = torch.nn.utils.parameters_to_vector(theirs.parameters())
    close(w_vec, t_vec)
    _backward_both((w_vec * w_vec).sum(), (t_vec * t_vec).sum())
    _compare_grads(ours, theirs)


def test_vector_to_parameters_writes_in_place_as_torch():
    ours, theirs = _twin_models()
    before = list(ours.parameters())
    vec = RNG.standard_normal(sum(p.numel() for p in theirs.parameters()))
    nn.utils.vector_to_parameters(wl.tensor(vec), ours.parameters())
    torch.nn.utils.vector_to_parameters(torch.tensor(vec), theirs.parameters())
    for w, t in zip(before, theirs.parameters()):
        close(w, t)
    assert all(a is b for a, b in zip(before, ours.parameters()))


def test_vector_to_parameters_errors():
    ours, _ = _twin_models()
    with pytest.raises(TypeError, match="expected a Tensor, but got list"):
        nn.utils.vector_to_parameters([1.0], ours.parameters())
    with pytest.raises(RuntimeError, match="does not hold the 31 values"):
        nn.utils.vector_to_parameters(wl.zeros(5), ours.parameters())


# --- weight_norm ---------------------------------------------------------------------------------

def _torch_weight_norm(module, **kw):
    with warnings.catch_warnings():  # torch's deprecation note for the classic function
        warnings.filterwarnings("ignore", "`torch.nn.utils.weight_norm` is deprecated")
        return torch.nn.utils.weight_norm(module, **kw)


WN_CASES = {
    "linear_dim0": (lambda lib: lib.Linear(3, 4), (5, 3), dict()),
    "linear_dim1": (lambda lib: lib.Linear(3, 4), (5, 3), dict(dim=1)),
    "conv_whole": (lambda lib: lib.Conv2d(2, 3, 3), (2, 2, 5, 5), dict(dim=None)),
    "conv_dim0": (lambda lib: lib.Conv2d(2, 3, 3), (2, 2, 5, 5), dict()),
}


@pytest.mark.parametrize("case", list(WN_CASES))
def test_weight_norm_matches_torch(case):
    make, shape, kw = WN_CASES[case]
    theirs = make(torch.nn).double()
    ours = load_from(make(nn), theirs)
    _torch_weight_norm(theirs, **kw)
    nn.utils.weight_norm(ours, **kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for name, t in theirs.state_dict().items():
        close(ours.state_dict()[name], t)
    x, tx = pair(RNG.standard_normal(shape))
    w_out, t_out = ours(x), theirs(tx)
    close(w_out, t_out)
    _backward_both(w_out, t_out)
    _compare_grads(ours, theirs)
    close(x.grad, tx.grad)
    nn.utils.remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    close(ours.weight, theirs.weight)
    assert isinstance(ours.weight, nn.Parameter)


def test_weight_norm_follows_updates_and_copies():
    layer = nn.utils.weight_norm(nn.Linear(3, 2).double())
    x = wl.randn(4, 3, dtype=wl.float64)
    twin = copy.deepcopy(layer)
    with wl.no_grad():
        layer.weight_g.data = layer.weight_g.detach() * 2
    # the weight is recomputed before each forward, and the copy keeps its own parameters
    np.testing.assert_allclose(layer(x).detach().numpy() - layer.bias.detach().numpy(),
                               2 * (twin(x) - twin.bias).detach().numpy(), rtol=1e-12)


def test_weight_norm_errors():
    layer = nn.utils.weight_norm(nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match="two weight_norm hooks on the same parameter weight"):
        nn.utils.weight_norm(layer)
    with pytest.raises(ValueError, match="weight_norm of 'bias' not found in Linear"):
        nn.utils.remove_weight_norm(layer, "bias")
    with pytest.raises(ValueError, match="Linear has no parameter 'kernel'"):
        nn.utils.weight_norm(nn.Linear(3, 2), "kernel")


# --- spectral_norm -------------------------------------------------------------------------------

SN_CASES = {
    "linear": (lambda lib: lib.Linear(3, 4), (5, 3), dict()),
    "conv": (lambda lib: lib.Conv2d(2, 3, 3), (2, 2, 5, 5), dict(n_power_iterations=3)),
    "conv_transpose": (lambda lib: lib.ConvTranspose2d(2, 3, 3), (2, 2, 4, 4), dict()),
}


@pytest.mark.parametrize("case", list(SN_CASES))
def test_spectral_norm_matches_torch(case):
    make, shape, kw = SN_CASES[case]
    theirs = torch.nn.utils.spectral_norm(make(torch.nn).double(), **kw)
    ours = _load(nn.utils.spectral_norm(make(nn), **kw), theirs)
    for _ in range(2):  # training: each forward runs the power iteration on u and v
        x, tx = pair(RNG.standard_normal(shape))
        w_out, t_out = ours(x), theirs(tx)
        close(w_out, t_out)
        close(ours.weight_u, theirs.weight_u)
        close(ours.weight_v, theirs.weight_v)
        _backward_both(w_out, t_out)
        _compare_grads(ours, theirs)
        close(x.grad, tx.grad)
    ours.eval()
    theirs.eval()
    x, tx = pair(RNG.standard_normal(shape), grad=False)
    u = ours.weight_u.detach().numpy().copy()
    close(ours(x), theirs(tx))
    np.testing.assert_array_equal(ours.weight_u.detach().numpy(), u)  # no iteration in eval
    nn.utils.remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    close(ours.weight, theirs.weight)


def test_spectral_norm_errors():
    with pytest.raises(ValueError, match="n_power_iterations to be positive, but got "
                                         "n_power_iterations=0"):
        nn.utils.spectral_norm(nn.Linear(3, 2), n_power_iterations=0)
    layer = nn.utils.spectral_norm(nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match="two spectral_norm hooks"):
        nn.utils.spectral_norm(layer)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found in Linear"):
        nn.utils.remove_spectral_norm(nn.Linear(3, 2))


# --- nn.utils.rnn --------------------------------------------------------------------------------

def _sequences(lengths, features=3):
    arrays = [RNG.standard_normal((n, features)) for n in lengths]
    return [pair(a) for a in arrays]


@pytest.mark.parametrize("options", [dict(), dict(batch_first=True, padding_value=-1.5),
                                     dict(padding_side="left")])
def test_pad_sequence_matches_torch(options):
    seqs = _sequences([2, 5, 3])
    out = wrnn.pad_sequence([w for w, _ in seqs], **options)
    ref = torch.nn.utils.rnn.pad_sequence([t for _, t in seqs], **options)
    close(out, ref)
    _backward_both(out, ref)
    for w, t in seqs:
        close(w.grad, t.grad)


def _assert_same_packing(ours, theirs):
    close(ours.data, theirs.data)
    np.testing.assert_array_equal(ours.batch_sizes.numpy(), theirs.batch_sizes.numpy())
    assert ours.batch_sizes.dtype == wl.int64
    for w, t in ((ours.sorted_indices, theirs.sorted_indices),
                 (ours.unsorted_indices, theirs.unsorted_indices)):
        assert (w is None) == (t is None)
        if w is not None:
            np.testing.assert_array_equal(w.numpy(), t.numpy())


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths", [[5, 3, 3, 1], [2, 5, 1, 4]])
def test_pack_and_pad_packed_match_torch(lengths, batch_first):
    sorted_ = lengths == sorted(lengths, reverse=True)
    shape = (4, 6, 3) if batch_first else (6, 4, 3)
    x, tx = pair(RNG.standard_normal(shape))
    packed = wrnn.pack_padded_sequence(x, lengths, batch_first, enforce_sorted=sorted_)
    ref = torch.nn.utils.rnn.pack_padded_sequence(tx, torch.tensor(lengths), batch_first,
                                                  enforce_sorted=sorted_)
    _assert_same_packing(packed, ref)
    out, out_lengths = wrnn.pad_packed_sequence(packed, batch_first, padding_value=0.5,
                                                total_length=7)
    t_out, t_lengths = torch.nn.utils.rnn.pad_packed_sequence(ref, batch_first, 0.5, 7)
    close(out, t_out)
    np.testing.assert_array_equal(out_lengths.numpy(), t_lengths.numpy())
    _backward_both(out, t_out)
    close(x.grad, tx.grad)


def test_pack_sequence_round_trip_matches_torch():
    seqs = _sequences([2, 4, 3])
    packed = wrnn.pack_sequence([w for w, _ in seqs], enforce_sorted=False)
    ref = torch.nn.utils.rnn.pack_sequence([t for _, t in seqs], enforce_sorted=False)
    _assert_same_packing(packed, ref)
    for w, (x, _) in zip(wrnn.unpack_sequence(packed), seqs):
        close(w, x)


def test_packing_errors_as_torch():
    x = wl.zeros(4, 3, 2)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        wrnn.pack_padded_sequence(x, [1, 4, 2])
    with pytest.raises(ValueError, match="equal to batch_size, but got 2 \\(batch_size=3\\)"):
        wrnn.pack_padded_sequence(x, [4, 2])
    with pytest.raises(RuntimeError, match="greater than 0"):
        wrnn.pack_padded_sequence(x, [4, 2, 0])
    packed = wrnn.pack_padded_sequence(x, [4, 2, 1])
    with pytest.raises(ValueError, match="total_length=3 and max sequence length being 4"):
        wrnn.pad_packed_sequence(packed, total_length=3)
    with pytest.raises(ValueError, match="one of left or right"):
        wrnn.pad_sequence([x], padding_side="middle")


RNN_CASES = {
    "rnn_batch_first": (dict(batch_first=True), "RNN"),  # ignored for packed input, as torch
    "gru_bidirectional": (dict(num_layers=2, bidirectional=True), "GRU"),
    "lstm_two_layers": (dict(num_layers=2), "LSTM"),
    "lstm_proj_bidirectional": (dict(bidirectional=True, proj_size=2), "LSTM"),
}


@pytest.mark.parametrize("case", list(RNN_CASES))
def test_recurrent_layers_on_packed_sequences_match_torch(case):
    options, kind = RNN_CASES[case]
    theirs = getattr(torch.nn, kind)(3, 4, **options).double()
    ours = _load(getattr(nn, kind)(3, 4, **options), theirs)
    lengths = [3, 5, 1, 5]  # unsorted, with a tie
    x, tx = pair(RNG.standard_normal((5, 4, 3)))
    dirs = 2 if options.get("bidirectional") else 1
    layers = dirs * options.get("num_layers", 1)
    h_shapes = [(layers, 4, options.get("proj_size") or 4)]
    if kind == "LSTM":
        h_shapes.append((layers, 4, 4))
    states = [pair(RNG.standard_normal(s)) for s in h_shapes]
    hx = [w for w, _ in states] if kind == "LSTM" else states[0][0]
    t_hx = tuple(t for _, t in states) if kind == "LSTM" else states[0][1]
    out, h_n = ours(wrnn.pack_padded_sequence(x, lengths, enforce_sorted=False), hx)
    ref, t_h_n = theirs(torch.nn.utils.rnn.pack_padded_sequence(tx, lengths,
                                                                enforce_sorted=False), t_hx)
    assert isinstance(out, wrnn.PackedSequence)
    _assert_same_packing(out, ref)
    padded, _ = wrnn.pad_packed_sequence(out)
    t_padded, _ = torch.nn.utils.rnn.pad_packed_sequence(ref)
    h_n, t_h_n = (list(h_n), list(t_h_n)) if kind == "LSTM" else ([h_n], [t_h_n])
    for w, t in zip(h_n, t_h_n):
        close(w, t)
    loss = (padded ** 2).sum() + sum((h * h.cos()).sum() for h in h_n)
    t_loss = (t_padded ** 2).sum() + sum((h * h.cos()).sum() for h in t_h_n)
    loss.backward()
    t_loss.backward()
    close(x.grad, tx.grad)
    for w, t in states:
        close(w.grad, t.grad)
    _compare_grads(ours, theirs)


def test_packed_input_without_initial_state_matches_torch():
    theirs = torch.nn.GRU(3, 4).double()
    ours = _load(nn.GRU(3, 4), theirs)
    seqs = _sequences([2, 4, 3])
    out, h_n = ours(wrnn.pack_sequence([w for w, _ in seqs], enforce_sorted=False))
    ref, t_h_n = theirs(torch.nn.utils.rnn.pack_sequence([t for _, t in seqs],
                                                         enforce_sorted=False))
    _assert_same_packing(out, ref)
    close(h_n, t_h_n)


def test_packed_sequence_moves_and_casts():
    packed = wrnn.pack_sequence([wl.ones(3, 2), wl.ones(1, 2)]).double()
    assert packed.data.dtype == wl.float64 and packed.float().data.dtype == wl.float32
    assert packed.batch_sizes.dtype == wl.int64 and not packed.cpu().is_cuda
    np.testing.assert_array_equal(packed.to(dtype=wl.float32).batch_sizes.numpy(), [2, 1, 1])


def test_packed_input_of_the_wrong_size_is_named():
    packed = wrnn.pack_sequence([wl.zeros(3, 2)])
    with pytest.raises(ValueError, match="GRU: expected PackedSequence data of shape"):
        nn.GRU(3, 4)(packed)


# --- the rest ------------------------------------------------------------------------------------

def test_flatten_parameters_is_a_no_op():
    lstm = nn.LSTM(3, 4)
    before = {k: v.detach().numpy().copy() for k, v in lstm.state_dict().items()}
    assert lstm.flatten_parameters() is None
    for k, v in lstm.state_dict().items():
        np.testing.assert_array_equal(v.detach().numpy(), before[k])


def test_data_parallel_passes_through_with_torch_keys():
    theirs = torch.nn.DataParallel(torch.nn.Linear(3, 2).double())
    ours = _load(nn.DataParallel(nn.Linear(3, 2)), theirs)
    assert nn.parallel.DataParallel is nn.DataParallel
    x, tx = pair(RNG.standard_normal((4, 3)))
    close(ours(x), theirs(tx))
    with pytest.raises(TypeError, match="expected a Module to wrap"):
        nn.DataParallel(lambda v: v)


def test_clipping_under_nn_utils_matches_torch():
    ours, theirs = _twin_models()
    grads = [RNG.standard_normal(tuple(p.shape)) for p in theirs.parameters()]
    for w, t, g in zip(ours.parameters(), theirs.parameters(), grads):
        w.grad, t.grad = wl.tensor(g), torch.tensor(g)
    close(nn.utils.clip_grad_norm_(ours.parameters(), 0.5),
          torch.nn.utils.clip_grad_norm_(theirs.parameters(), 0.5))
    nn.utils.clip_grad_value_(ours.parameters(), 0.1)
    torch.nn.utils.clip_grad_value_(theirs.parameters(), 0.1)
    _compare_grads(ours, theirs)
