"""Normalisations: batch_norm, instance_norm, layer_norm, group_norm (the Standardize primitive,
then ops for the affine part) and rms_norm, with PyTorch's semantics (the biased variance
normalises, the unbiased variance feeds the running statistics, buffers updated in place).
float16 computes in float32 and rounds once, as PyTorch's kernels (its squares overflow at 256)."""
# ruff: noqa: A002  (PyTorch's argument name `input`)
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..core import dtype as dt
from ..core.grad_mode import no_grad
from ..core.tensor import Tensor
from ..ops.norm import standardize
from ..ops.precision import in_float32

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm"]


def _as_shape(normalized_shape: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(n) for n in normalized_shape)


def _check_vector(name: str, what: str, t: Tensor | None, n: int) -> None:
    if t is not None and t.shape != (n,):
        raise ValueError(f"{name}: {what} must have shape ({n},), one entry per channel, got "
                         f"shape {t.shape}")


def _moments(x: Tensor, axes: tuple[int, ...]) -> tuple[Tensor, Tensor]:
    """Mean and biased variance over axes (kept dims), off the tape: for running statistics
    (float16's in float32)."""
    with no_grad():
        x = x.detach().to(dt.float32) if x.dtype is dt.float16 else x.detach()
        mean = x.mean(axes, keepdim=True)
        centred = x - mean
        return mean, (centred * centred).mean(axes, keepdim=True)


def _affine(y: Tensor, weight: Tensor | None, bias: Tensor | None, shape) -> Tensor:
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def _update(running: Tensor | None, batch_stat: Tensor, momentum: float) -> None:
    """running <- (1 - momentum) * running + momentum * batch_stat, in place, off the tape, in
    the wider of the two dtypes (a float16 buffer takes a float32 variance past 65504 whose
    share of the average fits)."""
    if running is None:
        return
    with no_grad():
        work = dt.promote(running.dtype, batch_stat.dtype)
        mixed = running.to(work) * (1.0 - momentum) + batch_stat.detach().to(work) * momentum
        running.data = mixed.to(running.dtype)


def _momentum(name: str, momentum: float | None, num_batches_tracked: Tensor | None) -> float:
    if momentum is not None:
        return float(momentum)
    if num_batches_tracked is None:
        raise ValueError(f"{name}: momentum=None (a cumulative average) needs "
                         f"num_batches_tracked")
    return 1.0 / float(num_batches_tracked.item())


def _no_vmap(name: str, x: Tensor) -> None:
    if x._vlevel is not None:
        raise RuntimeError(f"{name}: running statistics cannot be updated inside vmap (one "
                           f"buffer, many examples); pass running_mean=running_var=None or "
                           f"use evaluation mode")


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float | None = 0.1, eps: float = 1e-5,
               num_batches_tracked: Tensor | None = None) -> Tensor:
    """Normalise each channel (dim 1) of (N, C, *) input over the batch and the other dims.

    training: batch statistics (biased variance) normalise; running_mean / running_var, when
    given, move towards the batch mean and the unbiased batch variance by `momentum` (None: a
    cumulative average, 1 / num_batches_tracked). num_batches_tracked, when given, is increased
    by one per training call. Otherwise the running statistics normalise."""
    x, name = input, "batch_norm"
    if x.ndim < 2:
        raise ValueError(f"{name}: expected input of shape (N, C, *), got shape {x.shape}")
    c = x.shape[1]
    for what, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_vector(name, what, t, c)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if training:
        count = x.numel() // c if c else 0
        if count <= 1:
            raise ValueError(f"{name}: expected more than 1 value per channel when training, "
                             f"got input of shape {x.shape}")
        axes = (0,) + tuple(range(2, x.ndim))
        y = standardize(x, axes, eps)
        tracking = running_mean is not None or running_var is not None
        if tracking or num_batches_tracked is not None:
            _no_vmap(name, x)
        if num_batches_tracked is not None:
            with no_grad():
                num_batches_tracked.data = num_batches_tracked + 1
        if tracking:
            mean, var = _moments(x, axes)
            factor = _momentum(name, momentum, num_batches_tracked)
            _update(running_mean, mean.reshape(c), factor)
            _update(running_var, var.reshape(c) * (count / (count - 1)), factor)
    else:
        if running_mean is None or running_var is None:
            raise ValueError(f"{name}: evaluation mode (training=False) needs running_mean and "
                             f"running_var")
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
        y = (x - mean) * (var + eps).rsqrt()
    return _affine(y, weight, bias, shape)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each (example, channel) of (N, C, *) input over its spatial dims.

    use_input_stats: each instance's own statistics normalise, and running statistics, when
    given, move towards their average over the batch (the variance unbiased per instance).
    Otherwise the running statistics normalise."""
    x, name = input, "instance_norm"
    if x.ndim < 3:
        raise ValueError(f"{name}: expected input of shape (N, C, *spatial) with at least one "
                         f"spatial dim, got shape {x.shape}")
    n, c = x.shape[:2]
    for what, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_vector(name, what, t, c)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if use_input_stats:
        count = x.numel() // (n * c) if n * c else 0
        if count <= 1:
            raise ValueError(f"{name}: expected more than 1 spatial element when training, got "
                             f"input of shape {x.shape}")
        axes = tuple(range(2, x.ndim))
        y = standardize(x, axes, eps)
        if running_mean is not None or running_var is not None:
            _no_vmap(name, x)
            mean, var = _moments(x, axes)
            _update(running_mean, mean.reshape(n, c).mean(0), momentum)
            _update(running_var, var.reshape(n, c).mean(0) * (count / (count - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError(f"{name}: use_input_stats=False needs running_mean and "
                             f"running_var")
        y = (x - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps).rsqrt()
    return _affine(y, weight, bias, shape)


def _trailing_axes(name: str, x: Tensor, shape: tuple[int, ...]) -> tuple[int, ...]:
    k = len(shape)
    if x.ndim < k or x.shape[x.ndim - k:] != shape:
        dims = ", ".join(str(d) for d in shape)
        raise ValueError(f"{name}: normalized_shape {shape} expects input of shape (*, {dims}), "
                         f"got shape {x.shape}")
    return tuple(range(x.ndim - k, x.ndim))


def _check_like(name: str, what: str, t: Tensor | None, shape: tuple[int, ...]) -> None:
    if t is not None and t.shape != shape:
        raise ValueError(f"{name}: {what} must have shape normalized_shape {shape}, got shape "
                         f"{t.shape}")


@in_float32
def layer_norm(input: Tensor, normalized_shape: int | Sequence[int],
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing dims `normalized_shape` (biased variance), then scale by
    weight and shift by bias (both of shape normalized_shape)."""
    shape = _as_shape(normalized_shape)
    axes = _trailing_axes("layer_norm", input, shape)
    _check_like("layer_norm", "weight", weight, shape)
    _check_like("layer_norm", "bias", bias, shape)
    y = standardize(input, axes, eps)
    return _affine(y, weight, bias, shape)


@in_float32
def rms_norm(input: Tensor, normalized_shape: int | Sequence[int],
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over the trailing dims `normalized_shape`, times weight;
    eps=None uses the machine epsilon of the dtype it computes in (float32 for float16), as
    torch.nn.functional.rms_norm does."""
    shape = _as_shape(normalized_shape)
    axes = _trailing_axes("rms_norm", input, shape)
    _check_like("rms_norm", "weight", weight, shape)
    if eps is None:
        eps = float(np.finfo(input.dtype.np_dtype).eps)
    y = input * ((input * input).mean(axes, keepdim=True) + eps).rsqrt()
    return y if weight is None else y * weight


@in_float32
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Split the channels of (N, C, *) input into num_groups groups and normalise each group of
    each example over its channels and spatial dims; weight and bias are per channel."""
    x, name = input, "group_norm"
    if x.ndim < 2:
        raise ValueError(f"{name}: expected input of shape (N, C, *), got shape {x.shape}")
    n, c = x.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ValueError(f"{name}: the {c} channels of input of shape {x.shape} are not "
                         f"divisible into num_groups={num_groups} groups")
    _check_vector(name, "weight", weight, c)
    _check_vector(name, "bias", bias, c)
    grouped = x.reshape(n, num_groups, (c // num_groups) * math.prod(x.shape[2:]))
    y = standardize(grouped, (2,), eps).reshape(x.shape)
    return _affine(y, weight, bias, (1, c) + (1,) * (x.ndim - 2))
