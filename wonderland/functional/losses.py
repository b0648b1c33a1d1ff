"""Losses as composites of ops, with PyTorch's arguments and semantics: cross_entropy, nll_loss,
mse/l1/smooth_l1/huber, binary cross-entropy on probabilities and on logits, kl_div, and
cosine_embedding_loss. Every log-probability path is stable for inputs of +-1e4."""
from __future__ import annotations

from .. import ops
from ..core import dtype as dt
from ..core.tensor import Tensor
from ..ops._convert import promote_args
from ..ops.autocast import float32_precision
from ..ops.cross_entropy import BinaryCrossEntropy, softmax_cross_entropy
from ..ops.precision import in_float32

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "cosine_embedding_loss"]

_REDUCTIONS = ("mean", "sum", "none")


# --- shared pieces ----------------------------------------------------------------------------
def _check_reduction(name: str, reduction: str, allowed: tuple[str, ...] = _REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(f"{name}: reduction must be one of {allowed}, got {reduction!r}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


@in_float32
def _sum_over(loss: Tensor, total: Tensor | int) -> Tensor:
    """sum(loss) / total (a tensor's sum, or a count): float16 sums in float32 and rounds once,
    as PyTorch's mean does, so no sum overflows where the ratio would not."""
    return loss.sum() / (total.sum() if isinstance(total, Tensor) else total)


def _same_shape(name: str, input: Tensor, target: Tensor) -> None:  # noqa: A002
    if not isinstance(target, Tensor):
        raise TypeError(f"{name}: target must be a tensor, got {type(target).__name__}")
    if target.shape != input.shape:
        raise ValueError(f"{name}: expected target of the input's shape {input.shape}, "
                         f"got {target.shape}")


def _log_softmax(x: Tensor, dim: int) -> Tensor:
    return x - ops.logsumexp(x, dim, keepdim=True)


def _softplus(z: Tensor) -> Tensor:
    """log(1 + exp(z)): no overflow, exact for large |z|, and the gradient is sigmoid(z) at 0 too
    (written without abs/relu, whose kinks would give a zero subgradient there)."""
    pos = z > 0
    tail = ops.log1p(ops.exp(ops.where(pos, -z, z)))  # exp of -|z| <= 0
    return ops.where(pos, z + tail, tail)


def _xlogx(t: Tensor) -> Tensor:
    pos = t > 0
    return ops.where(pos, t * ops.log(ops.where(pos, t, 1.0)), 0.0)


# --- classification ---------------------------------------------------------------------------
def _class_dim(name: str, input: Tensor) -> int:  # noqa: A002
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have a class dimension, shape (C,), (N, C) or "
                         f"(N, C, d1, ...); got shape ()")
    return 0 if input.ndim == 1 else 1


def _class_weight(name: str, weight: Tensor | None, classes: int, input: Tensor):  # noqa: A002
    if weight is None:
        return None
    if weight.shape != (classes,):
        raise ValueError(f"{name}: weight must have one entry per class, shape ({classes},); "
                         f"got {weight.shape}")
    return ops.cast(weight, input.dtype)


def _class_target(name: str, input: Tensor, target: Tensor, cdim: int, ignore_index: int):  # noqa: A002
    expected = input.shape[:cdim] + input.shape[cdim + 1:]
    if not isinstance(target, Tensor):
        raise TypeError(f"{name}: target must be a tensor, got {type(target).__name__}")
    if target.is_floating_point or target.dtype is dt.bool_:
        raise TypeError(f"{name}: target must hold class indices (an integer tensor of shape "
                        f"{expected}) or class probabilities (floats of the input's shape "
                        f"{input.shape}); got {target.dtype.name} of shape {target.shape}")
    if target.shape != expected:
        raise ValueError(f"{name}: expected target of shape {expected} for input of shape "
                         f"{input.shape}, got {target.shape}")
    classes, values = input.shape[cdim], target._values()
    bad = values[(values != ignore_index) & ((values < 0) | (values >= classes))]
    if bad.size:
        raise IndexError(f"{name}: target {int(bad[0])} is out of range for {classes} classes "
                         f"(ignore_index is {ignore_index})")
    return ops.cast(target, dt.int64)


def _indexed_loss(logp: Tensor, target: Tensor, weight: Tensor | None, cdim: int,
                  ignore_index: int, reduction: str, smoothing: float) -> Tensor:
    """-w[t] log p[t] per element (0 where ignored), mixed with the smoothed term; 'mean' divides
    by the summed weights of the targets that count, as PyTorch does."""
    keep = target != ignore_index
    safe = ops.where(keep, target, 0)
    index = safe.unsqueeze(cdim)
    picked = ops.gather(logp, cdim, index).squeeze(cdim)
    if weight is None:
        w = keep.to(logp.dtype)
    else:  # gather, not weight[safe]: the same code then runs under vmap
        spread = _along(weight, cdim, logp.ndim).broadcast_to(logp.shape)
        w = ops.where(keep, ops.gather(spread, cdim, index).squeeze(cdim), 0.0)
    loss = ops.where(keep, -picked * w, 0.0)
    if smoothing:
        per_class = logp if weight is None else logp * _along(weight, cdim, logp.ndim)
        uniform = ops.where(keep, -per_class.sum(cdim), 0.0)
        loss = (1 - smoothing) * loss + (smoothing / logp.shape[cdim]) * uniform
    if reduction == "mean":
        return _sum_over(loss, w)
    return _reduce(loss, reduction)


def _along(weight: Tensor, cdim: int, ndim: int) -> Tensor:
    """A (C,) weight shaped to broadcast along the class dimension."""
    return weight.reshape((-1,) + (1,) * (ndim - cdim - 1))


@float32_precision  # under autocast, in float32 (PyTorch's list)
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits `input` ((C,), (N, C) or (N, C, d1, ...)) against class indices
    (integer target without the class dim) or class probabilities (float target of the input's
    shape), with class `weight`, `ignore_index` and `label_smoothing`, as in PyTorch."""
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got "
                         f"{label_smoothing}")
    cdim = _class_dim("cross_entropy", input)
    fused = _fused_cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)
    if fused is not None:
        return fused
    classes = input.shape[cdim]
    weight = _class_weight("cross_entropy", weight, classes, input)
    logp = _log_softmax(input, cdim)
    if isinstance(target, Tensor) and target.is_floating_point and target.shape == input.shape:
        if ignore_index >= 0:
            raise ValueError("cross_entropy: ignore_index is not supported for class "
                             "probabilities as target")
        if label_smoothing:
            target = target * (1 - label_smoothing) + label_smoothing / classes
        if weight is not None:
            target = target * _along(weight, cdim, input.ndim)
        return _reduce(-(logp * target).sum(cdim), reduction)
    target = _class_target("cross_entropy", input, target, cdim, ignore_index)
    return _indexed_loss(logp, target, weight, cdim, ignore_index, reduction, label_smoothing)


def _fused_cross_entropy(input: Tensor, target, weight, ignore_index: int,  # noqa: A002
                         reduction: str, label_smoothing: float) -> Tensor | None:
    """The common case, logits (N, C) or (C,) against class indices without class weights or
    smoothing, through the fused primitive; None for every other case."""
    if (weight is not None or label_smoothing or input.ndim > 2 or not input.is_floating_point
            or not isinstance(target, Tensor) or target.is_floating_point):
        return None
    target = _class_target("cross_entropy", input, target, 0 if input.ndim == 1 else 1,
                           ignore_index)
    return softmax_cross_entropy(input, target, ignore_index, reduction)


@float32_precision
def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities `input` ((C,), (N, C) or (N, C, d1, ...))
    at the integer class indices `target`, with class `weight` and `ignore_index`."""
    _check_reduction("nll_loss", reduction)
    cdim = _class_dim("nll_loss", input)
    weight = _class_weight("nll_loss", weight, input.shape[cdim], input)
    target = _class_target("nll_loss", input, target, cdim, ignore_index)
    return _indexed_loss(input, target, weight, cdim, ignore_index, reduction, 0.0)


# --- regression -------------------------------------------------------------------------------
def _weighted(name: str, loss: Tensor, weight: Tensor | None, reduction: str,
              mean_by_weight: bool) -> Tensor:
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != loss.shape:
        raise ValueError(f"{name}: expected weight of the input's shape {loss.shape}, got "
                         f"{weight.shape}")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return _sum_over(loss, weight)
    return _reduce(loss, reduction)


@float32_precision
def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean",  # noqa: A002
             weight: Tensor | None = None) -> Tensor:
    """(input - target)^2; with `weight`, 'mean' divides by the summed weights (as PyTorch)."""
    _check_reduction("mse_loss", reduction)
    _same_shape("mse_loss", input, target)
    return _weighted("mse_loss", (input - target) ** 2, weight, reduction, True)


@float32_precision
def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean",  # noqa: A002
            weight: Tensor | None = None) -> Tensor:
    """|input - target|; with `weight`, 'mean' divides by the summed weights (as PyTorch)."""
    _check_reduction("l1_loss", reduction)
    _same_shape("l1_loss", input, target)
    return _weighted("l1_loss", (input - target).abs(), weight, reduction, True)


@float32_precision
def smooth_l1_loss(input: Tensor, target: Tensor, reduction: str = "mean",  # noqa: A002
                   beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target); beta=0 is L1."""
    _check_reduction("smooth_l1_loss", reduction)
    _same_shape("smooth_l1_loss", input, target)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    d = input - target
    if beta == 0:
        return _reduce(d.abs(), reduction)
    a = d.abs()
    return _reduce(ops.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta), reduction)


@float32_precision
def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",  # noqa: A002
               delta: float = 1.0, weight: Tensor | None = None) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta): smooth_l1 times delta."""
    _check_reduction("huber_loss", reduction)
    _same_shape("huber_loss", input, target)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    d = input - target
    a = d.abs()
    loss = ops.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))
    return _weighted("huber_loss", loss, weight, reduction, False)


# --- binary and distribution targets ----------------------------------------------------------
@float32_precision
def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                         reduction: str = "mean") -> Tensor:
    """-w [t log p + (1 - t) log(1 - p)] for probabilities p = input, each log clamped at -100
    and the gradient PyTorch's (p - t) / max(p (1 - p), 1e-12), large even where a log is
    clamped (see ops.cross_entropy.BinaryCrossEntropy)."""
    _check_reduction("binary_cross_entropy", reduction)
    _same_shape("binary_cross_entropy", input, target)
    values = input._values()
    if values.size and not ((values >= 0) & (values <= 1)).all():
        raise ValueError("binary_cross_entropy: input must hold probabilities in [0, 1]; for "
                         "logits use binary_cross_entropy_with_logits")
    input, target = promote_args("binary_cross_entropy", input, target)  # noqa: A001
    loss = BinaryCrossEntropy()(input, target)
    return _reduce(loss if weight is None else loss * weight, reduction)


@float32_precision
def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,  # noqa: A002
                                     weight: Tensor | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross-entropy of sigmoid(input) computed from the logits, stable for any logit:
    (1 - t) x + (1 + (pos_weight - 1) t) softplus(-x), times `weight`."""
    name = "binary_cross_entropy_with_logits"
    _check_reduction(name, reduction)
    _same_shape(name, input, target)
    scale = 1.0 if pos_weight is None else 1 + (pos_weight - 1) * target
    loss = (1 - target) * input + scale * _softplus(-input)
    if loss.shape != input.shape:
        raise ValueError(f"{name}: pos_weight of shape {pos_weight.shape} must broadcast to the "
                         f"input's shape {input.shape}")
    return _reduce(loss if weight is None else loss * weight, reduction)


@float32_precision
def kl_div(input: Tensor, target: Tensor, reduction: str = "mean",  # noqa: A002
           log_target: bool = False) -> Tensor:
    """KL(target || model) pointwise for log-probabilities `input`: t (log t - input), or with
    log_target exp(t) (t - input). 'batchmean' (the true KL) divides the sum by the batch size."""
    _check_reduction("kl_div", reduction, _REDUCTIONS + ("batchmean",))
    if log_target:
        loss = ops.exp(target) * (target - input)
    else:
        loss = _xlogx(target) - target * input
    if reduction == "batchmean":
        return _sum_over(loss, input.shape[0]) if input.ndim else loss.sum()
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where target = 1, max(0, cos(x1, x2) - margin) where target = -1; inputs
    (N, D) or (D,), target (N,) or ()."""
    name = "cosine_embedding_loss"
    _check_reduction(name, reduction)
    if input1.shape != input2.shape or input1.ndim not in (1, 2):
        raise ValueError(f"{name}: expected input1 and input2 of one shape (N, D) or (D,), got "
                         f"{input1.shape} and {input2.shape}")
    if target.shape != input1.shape[:-1]:
        raise ValueError(f"{name}: expected target of shape {input1.shape[:-1]} for inputs of "
                         f"shape {input1.shape}, got {target.shape}")
    eps = 1e-12  # PyTorch's: keeps a zero vector from dividing by zero
    dot = (input1 * input2).sum(-1)
    norms = (((input1 * input1).sum(-1) + eps) * ((input2 * input2).sum(-1) + eps)).sqrt()
    cos = dot / norms
    loss = ops.where(target == 1, 1 - cos, 0.0) + ops.where(target == -1,
                                                            (cos - margin).clip(min=0), 0.0)
    return _reduce(loss, reduction)
