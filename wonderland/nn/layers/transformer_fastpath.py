"""PyTorch's TransformerEncoder takes a nested-tensor fast path in inference (eval, nothing
needing a gradient, batch_first, a key padding mask): the outputs at padded positions come back
as zeros (before the final norm) instead of their computed values. Programs may read those
positions, so wonderland keeps this known trap, under torch's own conditions."""
from __future__ import annotations

from ...core import dtype as dt
from ...core.grad_mode import is_grad_enabled
from ...core.tensor import Tensor
from ...functional.activations import gelu
from ...functional.activations import relu as _relu
from ...ops import relu as _ops_relu
from ...ops import where
from ..module import Module
from .activation import GELU, ReLU

_RELU_OR_GELU = (_relu, _ops_relu, gelu)


def layer_allows(layer: Module) -> bool:
    """torch's conditions on a TransformerEncoderLayer, checked once at construction on the
    layer that gets copied."""
    attn, act = layer.self_attn, layer.activation
    return (not layer.norm_first and attn.batch_first and attn._qkv_same_embed_dim
            and attn.in_proj_bias is not None and attn.num_heads % 2 == 0
            and layer.norm1.eps == layer.norm2.eps
            and (any(act is f for f in _RELU_OR_GELU) or isinstance(act, (ReLU, GELU))))


def _padded(mask: Tensor) -> Tensor:
    """True at padded positions: bool True, or a nonzero float (as torch's logical_not)."""
    return mask if mask.dtype is dt.bool_ else mask != 0


def taken(first: Module, src: Tensor, mask: Tensor | None,
          key_padding_mask: Tensor | None, mask_check: bool) -> bool:
    """Whether torch would take the fast path for this call."""
    if first.training or src.ndim != 3 or key_padding_mask is None or mask is not None:
        return False
    attn = first.self_attn
    args = (src, attn.in_proj_weight, attn.in_proj_bias, attn.out_proj.weight,
            attn.out_proj.bias, first.norm1.weight, first.norm1.bias, first.norm2.weight,
            first.norm2.bias, first.linear1.weight, first.linear1.bias, first.linear2.weight,
            first.linear2.bias)
    if is_grad_enabled() and any(t is not None and t.requires_grad for t in args):
        return False
    if mask_check:  # padding only at the end of each sequence ("left aligned")
        pad = _padded(key_padding_mask).to(dtype=dt.int64)
        if key_padding_mask.shape[-1] > 1 and bool((pad[:, 1:] < pad[:, :-1]).any().item()):
            return False
    return True


def zero_padded(out: Tensor, key_padding_mask: Tensor) -> Tensor:
    """out (N, S, E) with the padded positions set to 0."""
    return where(_padded(key_padding_mask)[..., None], 0.0, out)
