"""Attention against PyTorch with identical weights and inputs (float64): scaled dot-product
attention, MultiheadAttention (outputs, weights, input and parameter gradients) and rotary
embeddings; plus gradcheck, vmap and error messages."""
import math

import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland import nn
from wonderland.functional.attention import (
    apply_rotary,
    multi_head_attention_forward,
    scaled_dot_product_attention,
)

from .torch_twins import TOL, close, load_from, pair

RNG = np.random.default_rng(0)


def arrays(*shapes):
    return [RNG.standard_normal(s) for s in shapes]


# --- scaled_dot_product_attention -------------------------------------------------------------

def _bool_mask(shape):
    m = RNG.random(shape) > 0.4
    m[..., 0] = True  # every row attends somewhere
    return m


SDPA_CASES = {
    "plain": dict(shapes=((2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5))),
    "causal_square": dict(shapes=((2, 2, 5, 4), (2, 2, 5, 4), (2, 2, 5, 4)), is_causal=True),
    "causal_rect": dict(shapes=((1, 2, 3, 4), (1, 2, 6, 4), (1, 2, 6, 3)), is_causal=True),
    "bool_mask": dict(shapes=((2, 2, 4, 4), (2, 2, 6, 4), (2, 2, 6, 4)), mask=("bool", (4, 6))),
    "bool_mask_per_batch": dict(shapes=((2, 2, 4, 4), (2, 2, 6, 4), (2, 2, 6, 4)),
                                mask=("bool", (2, 1, 4, 6))),
    "float_mask": dict(shapes=((2, 2, 4, 4), (2, 2, 6, 4), (2, 2, 6, 4)), mask=("float", (4, 6))),
    "float_mask_full": dict(shapes=((2, 2, 4, 4), (2, 2, 6, 4), (2, 2, 6, 4)),
                            mask=("float", (2, 2, 4, 6))),
    "fully_masked_row": dict(shapes=((1, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4)),
                             mask=("empty_row", (3, 5))),
    "scale": dict(shapes=((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)), scale=0.3),
    "gqa": dict(shapes=((2, 4, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)), enable_gqa=True),
    "three_dims": dict(shapes=((3, 4, 6), (3, 5, 6), (3, 5, 2)), mask=("bool", (3, 4, 5))),
    "two_dims": dict(shapes=((4, 6), (5, 6), (5, 3)), is_causal=True),
}


@pytest.mark.parametrize("case", list(SDPA_CASES))
def test_sdpa_matches_torch(case):
    cfg = dict(SDPA_CASES[case])
    (wq, tq), (wk, tk), (wv, tv) = (pair(a) for a in arrays(*cfg.pop("shapes")))
    w_kw, t_kw = dict(cfg), dict(cfg)
    if "mask" in cfg:
        kind, shape = cfg["mask"]
        if kind == "float":
            wm, tm = pair(RNG.standard_normal(shape))  # a float mask gets a gradient too
        else:
            m = _bool_mask(shape)
            if kind == "empty_row":
                m[1] = False
            wm, tm = wl.tensor(m), torch.tensor(m)
        w_kw["attn_mask"], t_kw["attn_mask"] = wm, tm
        del w_kw["mask"], t_kw["mask"]
    out = scaled_dot_product_attention(wq, wk, wv, **w_kw)
    ref = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, **t_kw)
    close(out, ref)
    g = RNG.standard_normal(ref.shape)
    out.backward(wl.tensor(g))
    ref.backward(torch.tensor(g))
    for w, t in ((wq, tq), (wk, tk), (wv, tv)):
        close(w.grad, t.grad)
    if "mask" in cfg and cfg["mask"][0] == "float":
        close(w_kw["attn_mask"].grad, t_kw["attn_mask"].grad)


def test_sdpa_dropout_shapes_and_generator():
    q, k, v = (wl.tensor(a) for a in arrays((2, 2, 4, 4), (2, 2, 5, 4), (2, 2, 5, 3)))
    a = scaled_dot_product_attention(q, k, v, dropout_p=0.5, generator=wl.Generator(1))
    b = scaled_dot_product_attention(q, k, v, dropout_p=0.5, generator=wl.Generator(1))
    assert a.shape == (2, 2, 4, 3)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.allclose(a.numpy(), scaled_dot_product_attention(q, k, v).numpy())
    assert np.all(scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy() == 0)


def test_sdpa_gradcheck():
    q, k, v = (wl.tensor(a, dtype=wl.float64, requires_grad=True)
               for a in arrays((2, 3, 4), (2, 4, 4), (2, 4, 2)))
    mask = wl.tensor(_bool_mask((3, 4)))
    assert wl.autograd.gradcheck(
        lambda q, k, v: scaled_dot_product_attention(q, k, v, attn_mask=mask), (q, k, v))


def test_rotary_gradcheck():
    x = wl.tensor(arrays((3, 4))[0], dtype=wl.float64, requires_grad=True)
    cos, sin = nn.RotaryEmbedding(4, dtype=wl.float64)(3)
    assert wl.autograd.gradcheck(lambda x: apply_rotary(x, cos, sin), (x,))


@pytest.mark.parametrize("is_causal", [False, True])
def test_sdpa_under_vmap(is_causal):
    q, k, v = (wl.tensor(a, dtype=wl.float64) for a in arrays((3, 2, 4, 4), (3, 2, 4, 4),
                                                                (3, 2, 4, 5)))
    mask = wl.tensor(_bool_mask((4, 4)))

    def f(q, k, v):
        return scaled_dot_product_attention(q, k, v, attn_mask=None if is_causal else mask,
                                            is_causal=is_causal)

    np.testing.assert_allclose(wl.func.vmap(f)(q, k, v).numpy(), f(q, k, v).numpy(), **TOL)
    np.testing.assert_allclose(wl.func.vmap(f, in_axes=(0, None, None))(q, k[0], v[0]).numpy(),
                               f(q, k[0], v[0]).numpy(), **TOL)


# --- MultiheadAttention -----------------------------------------------------------------------

MHA_CASES = {
    "plain": dict(heads=2),
    "one_head": dict(heads=1),
    "four_heads_batch_first": dict(heads=4, batch_first=True),
    "kdim_vdim": dict(heads=2, kdim=5, vdim=3),
    "kdim_vdim_batch_first": dict(heads=4, kdim=3, vdim=7, batch_first=True),
    "no_bias": dict(heads=2, bias=False),
    "bias_kv_zero_attn": dict(heads=2, add_bias_kv=True, add_zero_attn=True,
                              key_padding_mask="bool", attn_mask="bool2"),
    "key_padding_bool": dict(heads=2, key_padding_mask="bool"),
    "key_padding_float": dict(heads=4, key_padding_mask="float", batch_first=True),
    "attn_mask_bool": dict(heads=2, attn_mask="bool2"),
    "attn_mask_float3d": dict(heads=2, attn_mask="float3"),
    "both_masks": dict(heads=4, attn_mask="float2", key_padding_mask="bool"),
    "causal": dict(heads=2, attn_mask="causal", is_causal=True, self_attention=True),
    "per_head_weights": dict(heads=2, average_attn_weights=False, attn_mask="bool2"),
    "no_weights": dict(heads=2, need_weights=False, key_padding_mask="bool"),
    "self_attention_eval": dict(heads=2, self_attention=True, eval=True, batch_first=True),
    "unbatched": dict(heads=2, unbatched=True, key_padding_mask="bool", attn_mask="float3"),
    "unbatched_kdim": dict(heads=4, unbatched=True, kdim=3, vdim=5, batch_first=True),
}


def _mha_masks(cfg, n, h, tgt, src):
    """(wonderland kwargs, torch kwargs) for the masks a case asks for."""
    w_kw, t_kw = {}, {}
    kpm = cfg.get("key_padding_mask")
    kpm_shape = (src,) if cfg.get("unbatched") else (n, src)
    if kpm == "bool":
        m = RNG.random(kpm_shape) > 0.7
        m[..., 0] = False  # keep one key per batch row
        w_kw["key_padding_mask"], t_kw["key_padding_mask"] = wl.tensor(m), torch.tensor(m)
    elif kpm == "float":
        m = RNG.standard_normal(kpm_shape)
        w_kw["key_padding_mask"], t_kw["key_padding_mask"] = pair(m, grad=False)
    am = cfg.get("attn_mask")
    heads_n = h if cfg.get("unbatched") else n * h
    if am in ("bool2", "causal"):
        m = (RNG.random((tgt, src)) > 0.6) if am == "bool2" else ~np.tri(tgt, src, dtype=bool)
        m[:, 0] = False
        w_kw["attn_mask"], t_kw["attn_mask"] = wl.tensor(m), torch.tensor(m)
    elif am in ("float2", "float3"):
        m = RNG.standard_normal((tgt, src) if am == "float2" else (heads_n, tgt, src))
        w_kw["attn_mask"], t_kw["attn_mask"] = pair(m, grad=False)
    for key in ("need_weights", "average_attn_weights", "is_causal"):
        if key in cfg:
            w_kw[key] = t_kw[key] = cfg[key]
    return w_kw, t_kw


@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")
@pytest.mark.parametrize("case", list(MHA_CASES))
def test_multihead_attention_matches_torch(case):
    cfg = MHA_CASES[case]
    e, h, n, tgt = 8, cfg["heads"], 3, 4
    src = tgt if cfg.get("self_attention") else 5
    options = {k: cfg[k] for k in ("bias", "add_bias_kv", "add_zero_attn", "kdim", "vdim",
                                   "batch_first") if k in cfg}
    ref_mod = torch.nn.MultiheadAttention(e, h, dtype=torch.float64, **options)
    mod = load_from(nn.MultiheadAttention(e, h, **options), ref_mod)
    if cfg.get("eval"):
        mod.eval(), ref_mod.eval()
    kdim, vdim = cfg.get("kdim", e), cfg.get("vdim", e)

    def shape(length, dim):
        if cfg.get("unbatched"):
            return (length, dim)
        return (n, length, dim) if cfg.get("batch_first") else (length, n, dim)

    (wq, tq), (wk, tk), (wv, tv) = (pair(a) for a in arrays(shape(tgt, e), shape(src, kdim),
                                                            shape(src, vdim)))
    if cfg.get("self_attention"):
        (wk, tk), (wv, tv) = (wq, tq), (wq, tq)
    w_kw, t_kw = _mha_masks(cfg, n, h, tgt, src)
    out, weights = mod(wq, wk, wv, **w_kw)
    ref, ref_weights = ref_mod(tq, tk, tv, **t_kw)
    close(out, ref)
    if ref_weights is None:
        assert weights is None
    else:
        close(weights, ref_weights)
    g = RNG.standard_normal(ref.shape)
    out.backward(wl.tensor(g))
    ref.backward(torch.tensor(g))
    for w, t in ((wq, tq), (wk, tk), (wv, tv)):
        close(w.grad, t.grad)
    ref_params = dict(ref_mod.named_parameters())
    assert sorted(dict(mod.named_parameters())) == sorted(ref_params)
    for name, p in mod.named_parameters():
        close(p.grad, ref_params[name].grad)


def test_multihead_attention_state_dict_and_init():
    for options in (dict(), dict(kdim=3, vdim=5), dict(bias=False), dict(add_bias_kv=True)):
        ref = torch.nn.MultiheadAttention(8, 2, **options).state_dict()
        mine = nn.MultiheadAttention(8, 2, **options).state_dict()
        assert {k: tuple(v.shape) for k, v in ref.items()} == \
               {k: v.shape for k, v in mine.items()}
    m = nn.MultiheadAttention(8, 2).state_dict()
    assert np.all(m["in_proj_bias"].numpy() == 0) and np.all(m["out_proj.bias"].numpy() == 0)
    bound = math.sqrt(6.0 / (8 + 24))  # xavier_uniform_ on (3E, E)
    assert 0.8 * bound < np.abs(m["in_proj_weight"].numpy()).max() <= bound
    assert np.abs(m["out_proj.weight"].numpy()).max() <= 1 / math.sqrt(8)


def test_multihead_attention_dropout():
    ref_mod = torch.nn.MultiheadAttention(8, 2, dropout=0.5, dtype=torch.float64)
    mod = load_from(nn.MultiheadAttention(8, 2, dropout=0.5), ref_mod)
    (wq, tq), = (pair(a, grad=False) for a in arrays((4, 3, 8)))
    out, weights = mod(wq, wq, wq)
    assert out.shape == (4, 3, 8) and weights.shape == (3, 4, 4)
    mod.eval(), ref_mod.eval()
    out, weights = mod(wq, wq, wq)
    ref, ref_weights = ref_mod(tq, tq, tq)
    close(out, ref)
    close(weights, ref_weights)


# --- rotary position embedding ----------------------------------------------------------------

def _torch_rotary(x, positions, dim, base):
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))
    freqs = positions.to(torch.float64)[..., None] * inv_freq
    emb = torch.cat([freqs, freqs], -1)
    cos, sin = emb.cos(), emb.sin()
    rot, rest = x[..., :dim], x[..., dim:]
    half = dim // 2
    rotated = torch.cat([-rot[..., half:], rot[..., :half]], -1)
    return cos, sin, torch.cat([rot * cos + rotated * sin, rest], -1)


@pytest.mark.parametrize("dim, head_dim, base, offset", [(8, 8, 10000.0, 0), (4, 8, 500.0, 3)])
def test_rotary_matches_formula(dim, head_dim, base, offset):
    rope = nn.RotaryEmbedding(dim, base=base, dtype=wl.float64)
    wx, tx = pair(RNG.standard_normal((2, 3, 5, head_dim)))
    positions = np.arange(offset, offset + 5)
    cos, sin = rope(wl.tensor(positions)) if offset else rope(5)
    ref_cos, ref_sin, ref = _torch_rotary(tx, torch.tensor(positions), dim, base)
    close(cos, ref_cos)
    close(sin, ref_sin)
    out = apply_rotary(wx, cos, sin)
    close(out, ref)
    g = RNG.standard_normal(ref.shape)
    out.backward(wl.tensor(g))
    ref.backward(torch.tensor(g))
    close(wx.grad, tx.grad)


def test_rotary_preserves_norms_and_relative_positions():
    rope = nn.RotaryEmbedding(8, dtype=wl.float64)
    cos, sin = rope(6)
    q, k = (wl.tensor(a, dtype=wl.float64) for a in arrays((1, 8), (1, 8)))
    rq = apply_rotary(q.expand(6, 8), cos, sin)
    rk = apply_rotary(k.expand(6, 8), cos, sin)
    np.testing.assert_allclose(np.linalg.norm(rq.numpy(), axis=-1),
                               np.linalg.norm(q.numpy()), **TOL)
    scores = (rq @ rk.T).numpy()  # depends on i - j only
    np.testing.assert_allclose(np.diag(scores, 1)[:-1], np.diag(scores, 1)[1:], **TOL)


# --- errors -----------------------------------------------------------------------------------

def test_errors_name_the_layer_and_shapes():
    m = nn.MultiheadAttention(8, 2)
    x = wl.randn(4, 3, 8)
    with pytest.raises(ValueError, match=r"MultiheadAttention: expected embedding dimension 8.*"
                                         r"\(4, 3, 6\)"):
        m(wl.randn(4, 3, 6), x, x)
    with pytest.raises(ValueError, match=r"MultiheadAttention.*2-D.*3-D.*\(1, 4, 3, 8\)"):
        m(wl.randn(1, 4, 3, 8), x, x)
    with pytest.raises(ValueError, match=r"key_padding_mask should have shape \(3, 4\).*"
                                         r"\(4, 3\)"):
        m(x, x, x, key_padding_mask=wl.zeros(4, 3, dtype=wl.bool))
    with pytest.raises(ValueError, match=r"2-D attn_mask should have shape \(4, 4\).*\(4, 5\)"):
        m(x, x, x, attn_mask=wl.zeros(4, 5, dtype=wl.bool))
    with pytest.raises(ValueError, match=r"3-D attn_mask should have shape \(6, 4, 4\)"):
        m(x, x, x, attn_mask=wl.zeros(2, 4, 4))
    with pytest.raises(ValueError, match=r"key embedding dimension 3.*\(4, 3, 8\)"):
        nn.MultiheadAttention(8, 2, kdim=3)(x, x, x)
    with pytest.raises(RuntimeError, match="is_causal.*attn_mask"):
        m(x, x, x, is_causal=True)
    with pytest.raises(ValueError, match="divisible by num_heads 3"):
        nn.MultiheadAttention(8, 3)
    q = wl.randn(2, 4, 8)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 5\) does not broadcast.*"
                                         r"\(2, 4, 5\)"):
        scaled_dot_product_attention(q, wl.randn(2, 5, 8), wl.randn(2, 5, 8),
                                     attn_mask=wl.ones(3, 5, dtype=wl.bool))
    with pytest.raises(ValueError, match="either attn_mask or is_causal"):
        scaled_dot_product_attention(q, q, q, attn_mask=wl.ones(4, 4, dtype=wl.bool),
                                     is_causal=True)
    with pytest.raises(ValueError, match=r"key's last dim must equal query's 8"):
        scaled_dot_product_attention(q, wl.randn(2, 5, 7), wl.randn(2, 5, 8))
    with pytest.raises(ValueError, match="RotaryEmbedding: dim must be a positive even"):
        nn.RotaryEmbedding(7)
    cos, sin = nn.RotaryEmbedding(8)(4)
    with pytest.raises(ValueError, match=r"apply_rotary.*\(2, 4, 6\)"):
        apply_rotary(wl.randn(2, 4, 6), cos, sin)


def test_functional_mha_matches_module():
    m = nn.MultiheadAttention(8, 2)
    x = wl.randn(4, 3, 8)
    out, w = multi_head_attention_forward(x, x, x, 8, 2, m.in_proj_weight, m.in_proj_bias,
                                          None, None, False, 0.0, m.out_proj.weight,
                                          m.out_proj.bias)
    ref_out, ref_w = m(x, x, x)
    np.testing.assert_allclose(out.detach().numpy(), ref_out.detach().numpy())
    np.testing.assert_allclose(w.detach().numpy(), ref_w.detach().numpy())
