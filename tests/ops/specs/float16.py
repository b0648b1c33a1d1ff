"""Op-spec rows in float16 only, at the inputs float16 makes extreme: large |x| (GELU, softplus
and mish at +-1e4), values near its overflow (exp near 11.1, squares near 256, sums and
variances past 65504 whose mean or root is fine). PyTorch in float16 is the oracle: it computes
in float32 and rounds once. Every other row has a float16 twin (tests/ops/spec.py)."""
import numpy as np
import torch
import torch.nn.functional as tF

import wonderland as wl
from wonderland import functional as F

from ..spec import const, half, including, real

GELU = ("Gelu", "GeluGrad")
NORM = ("Standardize", "StandardizeGrad")
# +-1e4; the tails where float16's exp overflows (beyond 11.1) or flushes to zero; softplus's
# threshold (20) and float16's own limit
LARGE = [-1e4, -65504.0, -20.0, -12.0, -8.0, -6.0, 6.0, 8.0, 11.5, 12.0, 15.0, 19.9, 20.0, 20.1,
         30.0, 1e4, 65504.0]
BIG = (4, 6)  # 24 places: LARGE and some ordinary values


def _in_float32(torch_fn):
    """PyTorch's function in float32 on the float16 inputs, rounded once to float16: the oracle
    where PyTorch's own float16 path rounds more than once (logsumexp's and softmax's gradients,
    log_softmax near 0: off by 5% to 50%) or sums in float16 (layer_norm's bias gradient; nll_loss
    and a weighted l1_loss, which overflow)."""
    return lambda *xs: torch_fn(*(x.float() if x.is_floating_point() else x for x in xs)).half()


SPECS = [
    # activations at +-1e4: GELU's fitted CDF and the tanh form's slope, softplus between 11 and
    # its threshold 20 (exp overflows float16 there), mish's slope beyond 20
    half("gelu_erf_large", GELU, F.gelu, [including(LARGE, *BIG)], None, tF.gelu),
    half("gelu_tanh_large", GELU, lambda x: F.gelu(x, approximate="tanh"),
         [including(LARGE, *BIG)], None, lambda x: tF.gelu(x, approximate="tanh")),
    half("softplus_large", ("Exp", "Log1p", "Cast"), F.softplus, [including(LARGE, *BIG)], None,
         tF.softplus),
    half("softplus_beta_large", ("Exp", "Log1p", "Cast"),
         lambda x: F.softplus(x, beta=2.0, threshold=30.0), [including(LARGE, *BIG)], None,
         lambda x: tF.softplus(x, beta=2.0, threshold=30.0)),
    half("mish_large", ("Tanh", "Log1p", "Cast"), F.mish, [including(LARGE, *BIG)], None,
         tF.mish),
    half("silu_large", ("Sigmoid", "Cast"), F.silu, [including(LARGE, *BIG)], None, tF.silu),
    half("elu_large", ("Expm1", "Cast"), F.elu, [including(LARGE, *BIG)], None, tF.elu),
    half("sigmoid_large", "Sigmoid", wl.sigmoid, [including(LARGE, *BIG)], None, torch.sigmoid),
    half("tanh_large", "Tanh", wl.tanh, [including(LARGE, *BIG)], None, torch.tanh),
    half("softmax_large", ("Exp", "Cast"), lambda x: F.softmax(x, -1),
         [including(LARGE[:6], 3, 6, low=-30, high=30)], None,
         _in_float32(lambda x: torch.softmax(x, -1))),
    half("log_softmax_large", ("Exp", "Log", "Cast"), lambda x: F.log_softmax(x, -1),
         [including(LARGE[:6], 3, 6, low=-30, high=30)], None,
         _in_float32(lambda x: torch.log_softmax(x, -1))),
    # just under float16's overflow: 65504 is exp(11.09) and 255.9^2 (beyond, IEEE's inf as
    # PyTorch's, with NumPy's overflow warning; so exp's slope, itself, times a cotangent)
    half("exp_near_overflow", "Exp", wl.exp, [including([11.0, 11.08], 2, 4, low=9.0, high=11.0)],
         np.exp, torch.exp, grad=False),
    half("square_near_overflow", "PowScalar", lambda x: x.square(),
         [including([255.0, 255.8, -255.8], 2, 4, low=-255.0, high=255.0)], np.square,
         torch.square),
    half("rsqrt_extremes", "Rsqrt", wl.rsqrt,
         [including([1e-3, 6e4, 65504.0], 2, 4, low=0.5, high=2.0)], lambda x: 1 / np.sqrt(x),
         torch.rsqrt),
    # reductions whose float16 sum passes 65504 (or stalls at 2048 + 1 = 2048) while the mean,
    # the root of the variance or the running total is fine
    half("mean_past_overflow", "Sum", lambda x: x.mean(), [real(4096, low=19.0, high=21.0)],
         np.mean, torch.mean),
    half("mean_near_max", "Sum", lambda x: x.mean(1), [real(2, 8, low=6e4, high=65504.0)],
         lambda x: x.mean(1), lambda x: x.mean(1)),
    half("sum_past_2048", "Sum", lambda x: x.sum(0), [real(3000, 2, low=0.9, high=1.1)],
         lambda x: x.sum(0), lambda x: x.sum(0)),
    half("cumsum_past_2048", "Cumsum", lambda x: x.cumsum(0), [real(3000, low=0.9, high=1.1)],
         lambda x: x.cumsum(0), lambda x: x.cumsum(0)),
    half("std_past_overflow", ("Sum", "Sqrt"), lambda x: x.std(1),
         [real(2, 64, low=-400.0, high=400.0)], lambda x: x.std(1, ddof=1),
         lambda x: x.std(1)),
    half("var_past_overflow", "Sum", lambda x: x.var(1), [real(2, 64, low=-400.0, high=400.0)],
         None, lambda x: x.var(1)),
    # spacing 0.5 at 1000: PyTorch's float16 gradient exp(x - rounded result) is off by up to
    # 28%; ours is the softmax of x, as in float32
    half("logsumexp_large_f16", ("Amax", "Sum"), lambda x: wl.logsumexp(x, -1),
         [real(3, 4, low=999.0, high=1001.0)], None,
         _in_float32(lambda x: torch.logsumexp(x, -1))),
    half("any_float", "Any", lambda x: x.any(1), [const([[0.0, 0.0, 1e-7], [0.0, -0.0, 0.0]])],
         lambda x: x.any(1), lambda x: x.any(1), grad=False),
    half("all_float", "All", lambda x: x.all(1),
         [const([[1.0, 65504.0, 1e-7], [1.0, 0.0, 2.0]])], lambda x: x.all(1),
         lambda x: x.all(1), grad=False),
    # norms whose variance (or mean square) passes 65504
    half("layer_norm_wide", NORM + ("Mul", "Add"), lambda x, w, b: F.layer_norm(x, (8,), w, b),
         [real(3, 8, low=-400.0, high=400.0), real(8), real(8)], None,
         _in_float32(lambda x, w, b: tF.layer_norm(x, (8,), w, b))),
    half("group_norm_wide", NORM, lambda x: F.group_norm(x, 2),
         [real(2, 4, 3, low=-400.0, high=400.0)], None, lambda x: tF.group_norm(x, 2)),
    half("rms_norm_wide", ("Rsqrt", "Sum", "Cast"), lambda x, w: F.rms_norm(x, (8,), w),
         [real(3, 8, low=-400.0, high=400.0), real(8)], None,
         lambda x, w: tF.rms_norm(x, (8,), w)),
    half("rms_norm_default_eps_small", ("Rsqrt", "Sum"), lambda x: F.rms_norm(x, (8,)),
         [real(3, 8, low=-0.01, high=0.01)], None, lambda x: tF.rms_norm(x, (8,))),
    # loss reductions whose float16 sum passes 65504 while the mean does not (PyTorch's own
    # nll_loss and weighted l1_loss sum in float16: inf)
    half("mse_loss_past_overflow", "Sum", F.mse_loss,
         [real(64, 64, low=-8.0, high=8.0), real(64, 64, low=-0.5, high=0.5)], None,
         tF.mse_loss),
    half("huber_loss_past_overflow", "Sum", F.huber_loss,
         [real(64, 64, low=-40.0, high=40.0), real(64, 64)], None, tF.huber_loss),
    half("bce_with_logits_past_overflow", "Sum", F.binary_cross_entropy_with_logits,
         [real(64, 128, low=-40.0, high=40.0), real(64, 128, low=0.0, high=1.0)], None,
         tF.binary_cross_entropy_with_logits),
    half("l1_loss_weighted_past_overflow", "Sum",
         lambda x, t, w: F.l1_loss(x, t, weight=w),
         [real(64, 64, low=-40.0, high=40.0), real(64, 64), real(64, 64, low=0.5, high=1.5)],
         None, _in_float32(lambda x, t, w: tF.l1_loss(x, t, weight=w))),
    half("kl_div_batchmean_past_overflow", "Sum",
         lambda x, t: F.kl_div(x, t, reduction="batchmean"),
         [real(2, 4096, low=-40.0, high=-10.0), real(2, 4096, low=0.5, high=1.0)], None,
         lambda x, t: tF.kl_div(x, t, reduction="batchmean")),
    half("nll_loss_past_overflow", "Sum", lambda x, t: F.nll_loss(x, t),
         [real(4096, 3, low=-30.0, high=-10.0), const(np.arange(4096) % 3)], None,
         _in_float32(tF.nll_loss)),
]
