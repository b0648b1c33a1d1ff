"""Transformer layers against PyTorch in float64 with dropout 0: a torch state_dict loads
strictly, outputs and gradients (inputs and every parameter) match, for post- and pre-norm,
sequence- and batch-first, relu, gelu and callable activations, without biases, with bool and
float masks, key padding masks and causal masks; torch's nested-tensor fast path in inference
(zeros at padded positions); plus torch's errors."""
import warnings

import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland import nn
from wonderland.functional import gelu

from .torch_twins import close, load_from, pair

RNG = np.random.default_rng(0)
E, H, FF = 8, 2, 12


def _twin(ours, theirs):
    """ours with theirs's weights; the state_dict keys agree exactly (strict load)."""
    theirs = theirs.double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    return load_from(ours, theirs), theirs


def _check_grads(ours, theirs, outs, inputs):
    w_out, t_out = outs
    close(w_out, t_out)
    g = RNG.standard_normal(t_out.shape)
    w_out.backward(wl.tensor(g))
    t_out.backward(torch.tensor(g))
    for w, t in inputs:
        close(w.grad, t.grad)
    ref = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        close(p.grad, ref[name].grad)


def _bool_mask(shape):
    m = RNG.random(shape) > 0.7
    m[..., 0] = False  # every query keeps a key to attend to
    return m


def _masks(kind, tgt, src, batch):
    """(ours, theirs) attn mask and key padding mask of one kind."""
    if kind is None:
        return (None, None), (None, None)
    if kind == "causal":
        m = torch.nn.Transformer.generate_square_subsequent_mask(tgt, dtype=torch.float64)
        return (wl.tensor(m.numpy()), None), (m, None)
    if kind == "bool":
        m, k = _bool_mask((tgt, src)), _bool_mask((batch, src))
        return (wl.tensor(m), wl.tensor(k)), (torch.tensor(m), torch.tensor(k))
    m = RNG.standard_normal((tgt, src))  # float: added to the scores
    k = RNG.standard_normal((batch, src))
    return (wl.tensor(m), wl.tensor(k)), (torch.tensor(m), torch.tensor(k))


LAYER_CASES = {
    "post_norm": dict(),
    "pre_norm": dict(norm_first=True),
    "batch_first": dict(batch_first=True),
    "gelu": dict(activation="gelu"),
    "no_bias": dict(bias=False, norm_first=True),
    "callable": dict(activation="callable"),
}
MASKS = [None, "bool", "float", "causal"]


def _options(case):
    opts = dict(LAYER_CASES[case])
    w_opts, t_opts = dict(opts), dict(opts)
    if opts.get("activation") == "callable":
        w_opts["activation"], t_opts["activation"] = gelu, torch.nn.functional.gelu
    return w_opts, t_opts


def _seq(length, batch, batch_first):
    return pair(RNG.standard_normal((batch, length, E) if batch_first else (length, batch, E)))


@pytest.mark.parametrize("mask", MASKS)
@pytest.mark.parametrize("case", list(LAYER_CASES))
def test_encoder_layer_matches_torch(case, mask):
    w_opts, t_opts = _options(case)
    ours, theirs = _twin(nn.TransformerEncoderLayer(E, H, FF, 0.0, **w_opts),
                         torch.nn.TransformerEncoderLayer(E, H, FF, 0.0, **t_opts))
    x, tx = _seq(5, 3, w_opts.get("batch_first", False))
    (m, k), (tm, tk) = _masks(mask, 5, 5, 3)
    outs = (ours(x, src_mask=m, src_key_padding_mask=k),
            theirs(tx, src_mask=tm, src_key_padding_mask=tk))
    _check_grads(ours, theirs, outs, [(x, tx)])


@pytest.mark.parametrize("mask", MASKS)
@pytest.mark.parametrize("case", list(LAYER_CASES))
def test_decoder_layer_matches_torch(case, mask):
    w_opts, t_opts = _options(case)
    ours, theirs = _twin(nn.TransformerDecoderLayer(E, H, FF, 0.0, **w_opts),
                         torch.nn.TransformerDecoderLayer(E, H, FF, 0.0, **t_opts))
    bf = w_opts.get("batch_first", False)
    (y, ty), (mem, tmem) = _seq(4, 3, bf), _seq(6, 3, bf)
    (m, k), (tm, tk) = _masks(mask, 4, 4, 3)
    (mm, mk), (tmm, tmk) = _masks("float" if mask == "causal" else mask, 4, 6, 3)
    outs = (ours(y, mem, tgt_mask=m, memory_mask=mm, tgt_key_padding_mask=k,
                 memory_key_padding_mask=mk),
            theirs(ty, tmem, tgt_mask=tm, memory_mask=tmm, tgt_key_padding_mask=tk,
                   memory_key_padding_mask=tmk))
    _check_grads(ours, theirs, outs, [(y, ty), (mem, tmem)])


def test_unbatched_layers_match_torch():
    enc, tenc = _twin(nn.TransformerEncoderLayer(E, H, FF, 0.0),
                      torch.nn.TransformerEncoderLayer(E, H, FF, 0.0))
    dec, tdec = _twin(nn.TransformerDecoderLayer(E, H, FF, 0.0, norm_first=True),
                      torch.nn.TransformerDecoderLayer(E, H, FF, 0.0, norm_first=True))
    (x, tx), (y, ty) = pair(RNG.standard_normal((5, E))), pair(RNG.standard_normal((3, E)))
    close(enc(x), tenc(tx))
    close(dec(y, x), tdec(ty, tx))


@pytest.mark.parametrize("batch_first", [False, True])
def test_stacks_with_norms_match_torch(batch_first):
    kw = dict(dropout=0.0, batch_first=batch_first)
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, FF, **kw), 2, nn.LayerNorm(E))
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(E, H, FF, **kw), 2,
                                         torch.nn.LayerNorm(E), enable_nested_tensor=False)
    ours, theirs = _twin(ours, theirs)
    x, tx = _seq(5, 3, batch_first)
    (m, k), (tm, tk) = _masks("causal", 5, 5, 3)
    _check_grads(ours, theirs, (ours(x, m), theirs(tx, tm)), [(x, tx)])
    dec, tdec = _twin(nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, FF, **kw), 2),
                      torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(E, H, FF, **kw),
                                                  2))
    (y, ty), (mem, tmem) = _seq(4, 3, batch_first), _seq(5, 3, batch_first)
    (m, _), (tm, _) = _masks("causal", 4, 4, 3)
    _check_grads(dec, tdec, (dec(y, mem, tgt_mask=m), tdec(ty, tmem, tgt_mask=tm)),
                 [(y, ty), (mem, tmem)])


@pytest.mark.parametrize("options", [dict(), dict(batch_first=True, norm_first=True,
                                                  activation="gelu")])
def test_transformer_matches_torch(options):
    kw = dict(d_model=E, nhead=H, num_encoder_layers=2, num_decoder_layers=2,
              dim_feedforward=FF, dropout=0.0, **options)
    with warnings.catch_warnings():  # torch's note that its nested-tensor path is off
        warnings.filterwarnings("ignore", "enable_nested_tensor is True")
        theirs = torch.nn.Transformer(**kw)
    ours, theirs = _twin(nn.Transformer(**kw), theirs)
    bf = options.get("batch_first", False)
    (src, tsrc), (tgt, ttgt) = _seq(6, 3, bf), _seq(4, 3, bf)
    mask = nn.Transformer.generate_square_subsequent_mask(4, dtype=wl.float64)
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    k = _bool_mask((3, 6))
    outs = (ours(src, tgt, tgt_mask=mask, src_key_padding_mask=wl.tensor(k),
                 memory_key_padding_mask=wl.tensor(k)),
            theirs(tsrc, ttgt, tgt_mask=tmask, src_key_padding_mask=torch.tensor(k),
                   memory_key_padding_mask=torch.tensor(k)))
    _check_grads(ours, theirs, outs, [(src, tsrc), (tgt, ttgt)])


def test_transformer_initialises_as_torch():
    """xavier-uniform matrices, zero attention biases, unit norms: the same statistics."""
    model = nn.Transformer(d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=32)
    w = model.encoder.layers[0].linear1.weight.detach().numpy()
    bound = np.sqrt(6.0 / (16 + 32))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert not model.encoder.layers[0].self_attn.in_proj_bias.detach().numpy().any()
    assert (model.decoder.norm.weight.detach().numpy() == 1).all()


def test_generate_square_subsequent_mask_matches_torch():
    ours = nn.Transformer.generate_square_subsequent_mask(4)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert ours.dtype == wl.float32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_activation_module_is_a_child():
    layer = nn.TransformerEncoderLayer(E, H, FF, activation=nn.GELU())
    assert isinstance(dict(layer.named_children())["activation"], nn.GELU)


def test_errors_as_torch():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(E, H, activation="tanh")
    model = nn.Transformer(d_model=E, nhead=H, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=FF)
    with pytest.raises(RuntimeError, match="batch number of src and tgt"):
        model(wl.randn(5, 2, E), wl.randn(4, 3, E))
    with pytest.raises(RuntimeError, match="feature number of src and tgt must be equal to "
                                           "d_model=8"):
        model(wl.randn(5, 2, E), wl.randn(4, 2, E + 1))
    with pytest.raises(RuntimeError, match="is_causal is a hint; it needs attn_mask"):
        nn.TransformerEncoderLayer(E, H, FF)(wl.randn(5, 2, E), is_causal=True)


def test_dropout_acts_in_training_only():
    layer = nn.TransformerEncoderLayer(E, H, FF, dropout=0.5)
    x = wl.randn(5, 2, E)
    layer.eval()
    with wl.no_grad():
        np.testing.assert_array_equal(layer(x).numpy(), layer(x).numpy())
        layer.train()
        assert not np.array_equal(layer(x).numpy(), layer(x).numpy())


def _padding_mask(lengths, steps, kind):
    pad = np.arange(steps)[None, :] >= np.array(lengths)[:, None]
    return pad if kind == "bool" else np.where(pad, -np.inf, 0.0)


@pytest.mark.parametrize("setting", ["fast", "grad", "train", "seq_first", "norm_first",
                                     "float_mask", "not_left_aligned", "no_nested"])
def test_encoder_inference_zeros_padding_as_torch(setting):
    """torch's nested-tensor fast path (eval, no grad, batch_first, key padding mask) returns 0
    at padded positions before the final norm; any condition missing, the computed values."""
    kw = dict(dropout=0.0, batch_first=setting != "seq_first",
              norm_first=setting == "norm_first")
    nested = setting != "no_nested"
    with warnings.catch_warnings():  # torch's note when its fast path is off
        warnings.filterwarnings("ignore", "enable_nested_tensor is True")
        theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(E, H, FF, **kw), 2,
                                             torch.nn.LayerNorm(E), enable_nested_tensor=nested)
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, FF, **kw), 2, nn.LayerNorm(E),
                                 enable_nested_tensor=nested)
    ours, theirs = _twin(ours, theirs)
    if setting != "train":
        ours.eval(), theirs.eval()
    with torch.no_grad():
        theirs.norm.bias.copy_(torch.tensor(RNG.standard_normal(E)))
        ours.norm.bias.data = wl.tensor(theirs.norm.bias.numpy())
    x = RNG.standard_normal((3, 5, E) if kw["batch_first"] else (5, 3, E))
    k = _padding_mask([5, 3, 2], 5, "float" if setting == "float_mask" else "bool")
    if setting == "not_left_aligned":
        k[1] = k[1][::-1].copy()
    with wl.no_grad(), torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The PyTorch API of nested tensors")  # torch's own
        if setting == "grad":
            with wl.enable_grad(), torch.enable_grad():
                out, ref = ours(wl.tensor(x), src_key_padding_mask=wl.tensor(k)), \
                    theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(k))
        else:
            out = ours(wl.tensor(x), src_key_padding_mask=wl.tensor(k))
            ref = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(k))
    close(out, ref, rtol=1e-9, atol=1e-9)
    # the fast path leaves just the norm's bias at the padded positions
    out = out.detach().numpy()
    padded = out[2, 2:] if kw["batch_first"] else out[2:, 2]
    bias = theirs.norm.bias.detach().numpy()
    assert np.allclose(padded, bias) == (setting in ("fast", "float_mask"))
