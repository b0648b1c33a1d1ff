"""Normalisation layers: BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d (running statistics as buffers),
LayerNorm, GroupNorm and RMSNorm, with PyTorch's arguments, defaults and state_dict keys."""
# ruff: noqa: A002  (PyTorch's argument name `input`)
from __future__ import annotations

from collections.abc import Sequence

from ...core import dtype as dt
from ...core.tensor import Tensor
from ...functional.norms import batch_norm, group_norm, instance_norm, layer_norm, rms_norm
from ...ops import ones, tensor, zeros
from .. import init
from ..module import Module
from ..parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d",
           "InstanceNorm3d", "LayerNorm", "GroupNorm", "RMSNorm"]


def _shape_error(layer: Module, expected: str, x: Tensor) -> ValueError:
    return ValueError(f"{type(layer).__name__}: expected input of shape {expected}, got shape "
                      f"{x.shape}")


def _as_shape(normalized_shape: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(n) for n in normalized_shape)


class _NormBase(Module):
    """Per-channel affine parameters and, when tracked, running statistics (as PyTorch's)."""

    def __init__(self, num_features: int, eps: float, momentum: float | None, affine: bool,
                 track_running_stats: bool, device=None, dtype=None) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(ones(num_features, dtype=dtype, device=device))
            self.bias = Parameter(zeros(num_features, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var", ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked",
                                 tensor(0, dtype=dt.int64, device=device))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    """Batch normalisation over dim 1; subclasses say which input ranks they take."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)

    def _check_input(self, x: Tensor) -> None:
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        tracking = self.track_running_stats
        # As PyTorch: batch statistics in training, and in evaluation when nothing is tracked.
        use_batch = self.training or not tracking
        return batch_norm(input, self.running_mean if tracking else None,
                          self.running_var if tracking else None, self.weight, self.bias,
                          use_batch, self.momentum, self.eps,
                          num_batches_tracked=self.num_batches_tracked
                          if self.training and tracking else None)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) input, per channel C."""

    def _check_input(self, x: Tensor) -> None:
        c = self.num_features
        if x.ndim not in (2, 3) or x.shape[1] != c:
            raise _shape_error(self, f"(N, {c}) or (N, {c}, L)", x)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) input, per channel C."""

    def _check_input(self, x: Tensor) -> None:
        if x.ndim != 4 or x.shape[1] != self.num_features:
            raise _shape_error(self, f"(N, {self.num_features}, H, W)", x)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) input, per channel C."""

    def _check_input(self, x: Tensor) -> None:
        if x.ndim != 5 or x.shape[1] != self.num_features:
            raise _shape_error(self, f"(N, {self.num_features}, D, H, W)", x)


class _InstanceNorm(_NormBase):
    """Instance normalisation of (N, C, *spatial) or (C, *spatial) input with `nd` spatial
    dimensions: each example's channel over its spatial dimensions. No affine parameters and
    no running statistics unless asked for."""

    nd: int
    spatial: str

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        x, c, nd = input, self.num_features, self.nd
        if x.ndim not in (nd + 1, nd + 2) or x.shape[-nd - 1] != c:
            raise _shape_error(self, f"(N, {c}, {self.spatial}) or ({c}, {self.spatial})", x)
        unbatched = x.ndim == nd + 1
        y = instance_norm(x.unsqueeze(0) if unbatched else x, self.running_mean,
                          self.running_var, self.weight, self.bias,
                          use_input_stats=self.training or not self.track_running_stats,
                          momentum=self.momentum if self.momentum is not None else 0.0,
                          eps=self.eps)
        return y.squeeze(0) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or (C, L) input: each example's channel over L."""

    nd, spatial = 1, "L"


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or (C, H, W) input: each example's channel over
    H and W. No affine parameters and no running statistics unless asked for."""

    nd, spatial = 2, "H, W"


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or (C, D, H, W) input, per example and
    channel over D, H and W."""

    nd, spatial = 3, "D, H, W"


class LayerNorm(Module):
    """Normalisation over the trailing dims `normalized_shape`, with an elementwise weight
    (ones) and bias (zeros) of that shape."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.normalized_shape, self.eps = _as_shape(normalized_shape), eps
        self.elementwise_affine = elementwise_affine
        shape = self.normalized_shape
        self.register_parameter("weight", Parameter(ones(*shape, dtype=dtype, device=device))
                                if elementwise_affine else None)
        self.register_parameter("bias", Parameter(zeros(*shape, dtype=dtype, device=device))
                                if elementwise_affine and bias else None)

    def forward(self, input: Tensor) -> Tensor:
        _check_trailing(self, input, self.normalized_shape)
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


def _check_trailing(layer: Module, x: Tensor, shape: tuple[int, ...]) -> None:
    k = len(shape)
    if x.ndim < k or x.shape[x.ndim - k:] != shape:
        raise _shape_error(layer, "(*, " + ", ".join(str(d) for d in shape) + ")", x)


class RMSNorm(Module):
    """x / sqrt(mean(x^2) + eps) over the trailing dims `normalized_shape`, times a weight of
    ones; eps=None takes the machine epsilon of the input's dtype."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.normalized_shape, self.eps = _as_shape(normalized_shape), eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(*self.normalized_shape, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)

    def forward(self, input: Tensor) -> Tensor:
        _check_trailing(self, input, self.normalized_shape)
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Normalisation of (N, C, *) input over groups of C // num_groups channels, with
    per-channel weight (ones) and bias (zeros)."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels={num_channels} must be divisible by "
                             f"num_groups={num_groups}")
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                     eps, affine)
        if affine:
            self.weight = Parameter(ones(num_channels, dtype=dtype, device=device))
            self.bias = Parameter(zeros(num_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise _shape_error(self, f"(N, {self.num_channels}, *)", input)
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
