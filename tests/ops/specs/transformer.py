"""Op-spec rows: the transformer's fused primitives: GELU (erf and tanh forms), standardisation
(layer / group / batch norm) and attention's masked softmax, each with its backward primitive
(run by every row's backward, and differentiated again by the second-order checks)."""
import numpy as np
import torch
import torch.nn.functional as tF
from scipy import special

from wonderland import functional as F
from wonderland.ops.attention import masked_softmax

from ..spec import const, real, spec

GELU = ("Gelu", "GeluGrad")
NORM = ("Standardize", "StandardizeGrad")
SOFTMAX = ("MaskedSoftmax", "SoftmaxGrad")

# a (3, 5) attention mask with something to attend to in every row
KEEP = [[True, False, True, True, False], [False, True, False, False, False],
        [True, True, True, False, True]]
KEEP_SQUARE = [row[:3] for row in KEEP]  # with the causal mask: still one key per row


def _np_layer_norm(x, w, b, dims):
    axes = tuple(range(x.ndim - dims, x.ndim))
    centred = x - x.mean(axes, keepdims=True)
    return centred / np.sqrt((centred ** 2).mean(axes, keepdims=True) + 1e-5) * w + b


def _np_softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _np_attention(q, k, v, scale, bias=0.0):
    return _np_softmax(q @ np.swapaxes(k, -1, -2) * scale + bias) @ v


def _np_causal(rows, cols):
    return np.where(np.tri(rows, cols, dtype=bool), 0.0, -np.inf)


def _sdpa(**kw):
    """A scaled_dot_product_attention row's wonderland and PyTorch functions."""
    return (lambda q, k, v, *m: F.scaled_dot_product_attention(q, k, v, *m, **kw),
            lambda q, k, v, *m: tF.scaled_dot_product_attention(q, k, v, *m, **kw))


QKV = [real(2, 3, 4), real(2, 5, 4), real(2, 5, 3)]  # (batch, L, E), (batch, S, E), (S, Ev)

SPECS = [
    # GELU
    spec("gelu_erf", GELU, F.gelu, [real(3, 4, low=-4, high=4)],
         lambda x: x * special.ndtr(x), tF.gelu),
    spec("gelu_tanh", GELU, lambda x: F.gelu(x, approximate="tanh"),
         [real(3, 4, low=-4, high=4)],
         lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))),
         lambda x: tF.gelu(x, approximate="tanh")),
    spec("gelu_squared", GELU, lambda x: F.gelu(x) * F.gelu(x), [real(2, 3)],
         lambda x: (x * special.ndtr(x)) ** 2, lambda x: tF.gelu(x) ** 2),
    # standardisation
    spec("layer_norm_affine", NORM + ("Mul", "Add"),
         lambda x, w, b: F.layer_norm(x, (4,), w, b), [real(2, 3, 4), real(4), real(4)],
         lambda x, w, b: _np_layer_norm(x, w, b, 1),
         lambda x, w, b: tF.layer_norm(x, (4,), w, b)),
    spec("layer_norm_two_dims", NORM, lambda x: F.layer_norm(x, (3, 4)), [real(2, 3, 4)],
         lambda x: _np_layer_norm(x, 1.0, 0.0, 2), lambda x: tF.layer_norm(x, (3, 4))),
    spec("layer_norm_weight_only", NORM, lambda x, w: F.layer_norm(x, 5, w),
         [real(3, 5), real(5)], lambda x, w: _np_layer_norm(x, w, 0.0, 1),
         lambda x, w: tF.layer_norm(x, (5,), w)),
    spec("group_norm", NORM, lambda x: F.group_norm(x, 2), [real(2, 4, 3)],
         None, lambda x: tF.group_norm(x, 2)),
    spec("batch_norm_training", NORM, lambda x: F.batch_norm(x, None, None, training=True),
         [real(4, 3, 2)], None, lambda x: tF.batch_norm(x, None, None, training=True)),
    # attention's softmax
    spec("sdpa", SOFTMAX, _sdpa()[0], QKV, lambda q, k, v: _np_attention(q, k, v, 0.5),
         _sdpa()[1]),
    spec("sdpa_causal", SOFTMAX, _sdpa(is_causal=True)[0], QKV,
         lambda q, k, v: _np_attention(q, k, v, 0.5, _np_causal(3, 5)),
         _sdpa(is_causal=True)[1]),
    spec("sdpa_scale_heads", SOFTMAX, _sdpa(scale=0.3)[0],
         [real(2, 2, 3, 4), real(2, 2, 5, 4), real(2, 2, 5, 3)],
         lambda q, k, v: _np_attention(q, k, v, 0.3), _sdpa(scale=0.3)[1]),
    spec("sdpa_bool_mask", SOFTMAX, _sdpa()[0], QKV + [const(KEEP)],
         lambda q, k, v, m: _np_attention(q, k, v, 0.5, np.where(m, 0.0, -np.inf)),
         _sdpa()[1]),
    spec("sdpa_float_mask", SOFTMAX, _sdpa()[0], QKV + [real(3, 5)],
         lambda q, k, v, m: _np_attention(q, k, v, 0.5, m), _sdpa()[1]),
    spec("masked_softmax_causal_square", SOFTMAX,
         lambda x: masked_softmax(x, scale=2.0, causal=True), [real(2, 4, 4)],
         lambda x: _np_softmax(2 * x + _np_causal(4, 4)),
         lambda x: torch.softmax(2 * x + torch.tensor(_np_causal(4, 4), dtype=x.dtype), -1)),
    spec("masked_softmax_twice", SOFTMAX,
         lambda x, m: masked_softmax(masked_softmax(x, m), m, 3.0), [real(3, 5), real(5)],
         lambda x, m: _np_softmax(3 * _np_softmax(x + m) + m),
         lambda x, m: torch.softmax(3 * torch.softmax(x + m, -1) + m, -1)),
    spec("masked_softmax_bool_and_causal", SOFTMAX,
         lambda x, m: masked_softmax(x, m, causal=True), [real(3, 3), const(KEEP_SQUARE)],
         lambda x, m: _np_softmax(x + np.where(m, 0.0, -np.inf) + _np_causal(3, 3)),
         lambda x, m: torch.softmax((x + torch.tensor(_np_causal(3, 3), dtype=x.dtype))
                                    .masked_fill(~m, -np.inf), -1)),
]
