"""Attention: scaled_dot_product_attention, multi_head_attention_forward, rotary embeddings."""
from __future__ import annotations

import math

from ..core import dtype as dt
from ..core.random import Generator
from ..core.tensor import Tensor
from ..ops import cat, pad, where, zeros
from ..ops.attention import masked_softmax
from ..ops.autocast import lower_precision
from .linear import dropout, linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward", "rotate_half",
           "apply_rotary"]

NEG_INF = float("-inf")


def _broadcasts(mask_shape: tuple, target: tuple) -> bool:
    if len(mask_shape) > len(target):
        return False
    return all(m in (1, t) for m, t in zip(reversed(mask_shape), reversed(target)))


def _check_mask(attn_mask: Tensor, scores: Tensor, name: str) -> None:
    """attn_mask must broadcast to the scores (..., L, S) and be bool or floating point."""
    if not _broadcasts(attn_mask.shape, scores.shape):
        tgt, src = scores.shape[-2:]
        raise ValueError(f"{name}: attn_mask of shape {attn_mask.shape} does not broadcast to "
                         f"the attention scores of shape {scores.shape} (..., L={tgt}, S={src})")
    if attn_mask.dtype is not dt.bool_ and not attn_mask.is_floating_point:
        raise TypeError(f"{name}: attn_mask must be bool or floating point, got "
                        f"{attn_mask.dtype.name}")


@lower_precision  # under autocast, in its dtype
def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False,
                                 generator: Generator | None = None) -> Tensor:
    """softmax(q k^T * scale + mask) v over the last two dims of (..., L, E), (..., S, E) and
    (..., S, Ev), as torch: attn_mask bool (True = takes part) or float (added); is_causal
    masks the upper triangle (top-left aligned; not together with attn_mask, as torch).
    Dropout on the weights always applies when dropout_p > 0; rows with nothing to attend to
    give zeros. enable_gqa repeats key/value heads (dim -3) to match query's."""
    name = "scaled_dot_product_attention"
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ValueError(f"{name}: query, key and value need at least 2 dims (..., L, E), got "
                         f"shapes {query.shape}, {key.shape}, {value.shape}")
    if key.shape[-1] != query.shape[-1]:
        raise ValueError(f"{name}: key's last dim must equal query's {query.shape[-1]} "
                         f"(shape {query.shape}), got key of shape {key.shape}")
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"{name}: key and value must have the same sequence length (dim -2), "
                         f"got shapes {key.shape} and {value.shape}")
    if is_causal and attn_mask is not None:
        raise ValueError(f"{name}: pass either attn_mask or is_causal=True, not both")
    if enable_gqa:
        heads, kv_heads = query.shape[-3], key.shape[-3]
        if heads % kv_heads or value.shape[-3] != kv_heads:
            raise ValueError(f"{name}: with enable_gqa, key/value heads (dim -3 of {key.shape}, "
                             f"{value.shape}) must divide the query's {heads}")
        key = key.repeat_interleave(heads // kv_heads, -3)
        value = value.repeat_interleave(heads // kv_heads, -3)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = query @ key.mT
    if attn_mask is not None:
        _check_mask(attn_mask, scores, name)
    # one primitive scales, masks and normalises the scores (wonderland.ops.attention)
    weights = masked_softmax(scores, attn_mask, scale, is_causal)
    weights = dropout(weights, dropout_p, generator=generator)
    return weights @ value


def _as_bias(mask: Tensor, like: Tensor, what: str) -> Tensor:
    """A bool mask (True = masked out, as MultiheadAttention's) as an additive float mask."""
    if mask.dtype is dt.bool_:
        return where(mask, NEG_INF, zeros((), dtype=like.dtype, device=like.device))
    if not mask.is_floating_point:
        raise TypeError(f"MultiheadAttention: {what} must be bool or floating point, got "
                        f"{mask.dtype.name}")
    return mask.to(dtype=like.dtype)


def _check_ranks(query, key, value, key_padding_mask, attn_mask) -> bool:
    """True for batched (3-D) input; errors name the layer and the shapes."""
    if query.ndim not in (2, 3):
        raise ValueError(f"MultiheadAttention: query should be unbatched 2-D (L, E) or batched "
                         f"3-D, got shape {query.shape}")
    batched = query.ndim == 3
    for what, t in (("key", key), ("value", value)):
        if t.ndim != query.ndim:
            raise ValueError(f"MultiheadAttention: for {query.ndim}-D query of shape "
                             f"{query.shape}, {what} should be {query.ndim}-D, got shape "
                             f"{t.shape}")
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise ValueError(f"MultiheadAttention: for {query.ndim}-D query, key_padding_mask "
                         f"should be {query.ndim - 1}-D, got shape {key_padding_mask.shape}")
    if attn_mask is not None and attn_mask.ndim not in (2, 3):
        raise ValueError(f"MultiheadAttention: attn_mask should be 2-D or 3-D, got shape "
                         f"{attn_mask.shape}")
    return batched


def _mask_bias(attn_mask, key_padding_mask, q, shape) -> Tensor | None:
    """attn_mask ((L, S) or (N*H, L, S)) and key_padding_mask ((N, S)) as one additive float
    mask broadcasting to shape = (N, H, L, S)."""
    bsz, heads, tgt, src = shape
    bias = None
    if attn_mask is not None:
        want = (tgt, src) if attn_mask.ndim == 2 else (bsz * heads, tgt, src)
        if attn_mask.shape != want:
            raise ValueError(f"MultiheadAttention: the {attn_mask.ndim}-D attn_mask should have "
                             f"shape {want}, got {attn_mask.shape}")
        lead = (bsz, heads) if attn_mask.ndim == 3 else (1, 1)
        bias = _as_bias(attn_mask, q, "attn_mask").reshape(*lead, tgt, src)
    if key_padding_mask is not None:
        if key_padding_mask.shape != (bsz, src):
            raise ValueError(f"MultiheadAttention: key_padding_mask should have shape "
                             f"{(bsz, src)} (batch, source length), got {key_padding_mask.shape}")
        kpm = _as_bias(key_padding_mask, q, "key_padding_mask").reshape(bsz, 1, 1, src)
        bias = kpm if bias is None else bias + kpm
    return bias


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
        out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False, generator: Generator | None = None
) -> tuple[Tensor, Tensor | None]:
    """MultiheadAttention on sequence-first input (L, N, E) (or unbatched (L, E)), as torch:
    returns (output, weights); weights (N, L, S) averaged over heads, (N, H, L, S) if not
    average_attn_weights, None if not need_weights. Bool masks mark positions to leave out; a
    query whose keys are all masked gets zeros (torch's need_weights path gives NaN)."""
    batched = _check_ranks(query, key, value, key_padding_mask, attn_mask)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt, bsz, embed = query.shape
    src, heads = key.shape[0], num_heads
    if embed != embed_dim_to_check:
        raise ValueError(f"MultiheadAttention: expected embedding dimension {embed_dim_to_check}"
                         f", got query of shape {query.shape}")
    if embed % heads:
        raise ValueError(f"MultiheadAttention: embed_dim {embed} is not divisible by num_heads "
                         f"{heads}")
    if key.shape[:2] != value.shape[:2] or key.shape[1] != bsz:
        raise ValueError(f"MultiheadAttention: key {key.shape} and value {value.shape} must "
                         f"share the source length and batch size {bsz} of query {query.shape}")
    if is_causal and attn_mask is None:
        raise RuntimeError("MultiheadAttention: is_causal is a hint; it needs attn_mask")
    if use_separate_proj_weight:
        w_q, w_k, w_v = q_proj_weight, k_proj_weight, v_proj_weight
    else:
        w_q, w_k, w_v = in_proj_weight.chunk(3)
    for what, t, w in (("key", key, w_k), ("value", value, w_v)):
        if t.shape[-1] != w.shape[1]:
            raise ValueError(f"MultiheadAttention: expected {what} embedding dimension "
                             f"{w.shape[1]}, got {what} of shape {t.shape}")
    b_q, b_k, b_v = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
    q, k, v = linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)
    bias = _mask_bias(attn_mask, key_padding_mask, q, (bsz, heads, tgt, src))
    if bias_k is not None and bias_v is not None:
        k = cat([k, bias_k.reshape(1, 1, embed).expand(1, bsz, embed)])
        v = cat([v, bias_v.reshape(1, 1, embed).expand(1, bsz, embed)])
        bias = None if bias is None else pad(bias, (0, 1))
    q, k, v = (t.reshape(t.shape[0], bsz, heads, embed // heads).permute(1, 2, 0, 3)
               for t in (q, k, v))  # (N, H, length, head_dim)
    if add_zero_attn:
        k, v = pad(k, (0, 0, 0, 1)), pad(v, (0, 0, 0, 1))
        bias = None if bias is None else pad(bias, (0, 1))
    weights = masked_softmax(q @ k.mT, bias, 1.0 / math.sqrt(embed // heads))
    weights = dropout(weights, dropout_p, training=training, generator=generator)
    out = (weights @ v).permute(2, 0, 1, 3).reshape(tgt, bsz, embed)
    out = linear(out, out_proj_weight, out_proj_bias)
    if not need_weights:
        weights = None
    elif average_attn_weights:
        weights = weights.mean(1)
    if not batched:
        out = out.squeeze(1)
        weights = None if weights is None else weights.squeeze(0)
    return out, weights


def rotate_half(x: Tensor) -> Tensor:
    """(x1, x2) -> (-x2, x1) on the two halves of the last dim."""
    x1, x2 = x.chunk(2, -1)
    return cat([-x2, x1], -1)


def apply_rotary(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """Rotary position embedding, half-split convention: x * cos + rotate_half(x) * sin.
    cos and sin (from RotaryEmbedding) broadcast to x's (..., L, D'); if D' < x's last dim,
    only the first D' features rotate and the rest pass through."""
    d = cos.shape[-1]
    if sin.shape != cos.shape or d % 2 or d > x.shape[-1]:
        raise ValueError(f"apply_rotary: cos and sin need one shape with an even last dim of "
                         f"at most x's {x.shape[-1]} (x of shape {x.shape}), got {cos.shape} "
                         f"and {sin.shape}")
    if d < x.shape[-1]:
        rot, rest = x[..., :d], x[..., d:]
        return cat([rot * cos + rotate_half(rot) * sin, rest], -1)
    return x * cos + rotate_half(x) * sin
