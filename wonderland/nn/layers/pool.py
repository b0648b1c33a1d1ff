"""Pooling layers (max, average, adaptive; 1-3 spatial dimensions) and Upsample over
wonderland.functional.pool."""
from __future__ import annotations

from ...core.tensor import Tensor
from ...functional.conv import ntuple
from ...functional.pool import adaptive_max_pool, adaptive_pool, avg_pool, max_pool, resize
from ..module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
           "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
           "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "Upsample"]

Size = int | tuple[int, ...]


class _MaxPoolNd(Module):
    """Shared by MaxPool1d/2d/3d."""

    nd: int

    def __init__(self, kernel_size: Size, stride: Size | None = None, padding: Size = 0,
                 dilation: Size = 1, return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor):  # noqa: A002
        return max_pool(input, self.nd, self.kernel_size, self.stride, self.padding,
                         self.dilation, self.ceil_mode, self.return_indices, type(self).__name__)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Maximum over sliding windows of (N, C, L) (see functional.max_pool1d)."""

    nd = 1


class MaxPool2d(_MaxPoolNd):
    """Maximum over sliding windows of (N, C, H, W) (see functional.max_pool2d)."""

    nd = 2


class MaxPool3d(_MaxPoolNd):
    """Maximum over sliding windows of (N, C, D, H, W) (see functional.max_pool3d)."""

    nd = 3


class _AvgPoolNd(Module):
    """Shared by AvgPool1d/2d/3d."""

    nd: int

    def __init__(self, kernel_size: Size, stride: Size | None = None, padding: Size = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None):
        super().__init__()
        if self.nd == 1:  # PyTorch keeps AvgPool1d's sizes as 1-tuples
            name = type(self).__name__
            kernel_size = ntuple(kernel_size, 1, name, "kernel_size", 1)
            stride = kernel_size if stride is None else ntuple(stride, 1, name, "stride", 1)
            padding = ntuple(padding, 1, name, "padding")
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return avg_pool(input, self.nd, self.kernel_size, self.stride, self.padding,
                         self.ceil_mode, self.count_include_pad, self.divisor_override,
                         type(self).__name__)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, L) (see functional.avg_pool1d)."""

    nd = 1

    def __init__(self, kernel_size: Size, stride: Size | None = None, padding: Size = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, H, W) (see functional.avg_pool2d)."""

    nd = 2


class AvgPool3d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, D, H, W) (see functional.avg_pool3d)."""

    nd = 3


class _AdaptiveAvgPoolNd(Module):
    """Shared by AdaptiveAvgPool1d/2d/3d."""

    nd: int

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return adaptive_pool(input, self.nd, self.output_size, type(self).__name__)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average pooling of (N, C, L) to a fixed length with PyTorch's window bounds."""

    nd = 1


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average pooling of (N, C, H, W) to a fixed size (None keeps that dimension)."""

    nd = 2


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Average pooling of (N, C, D, H, W) to a fixed size (None keeps that dimension)."""

    nd = 3


class _AdaptiveMaxPoolNd(Module):
    """Shared by AdaptiveMaxPool1d/2d/3d."""

    nd: int

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input: Tensor):  # noqa: A002
        return adaptive_max_pool(input, self.nd, self.output_size, self.return_indices,
                                 type(self).__name__)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Maximum of (N, C, L) over a fixed number of windows with PyTorch's adaptive bounds;
    return_indices also gives each maximum's position along L."""

    nd = 1


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Maximum of (N, C, H, W) over adaptive windows (None keeps that dimension);
    return_indices also gives each maximum's flat position in the H x W plane."""

    nd = 2


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Maximum of (N, C, D, H, W) over adaptive windows (see AdaptiveMaxPool2d)."""

    nd = 3


class Upsample(Module):
    """Resize by `size` or `scale_factor` with mode 'nearest', 'nearest-exact', 'linear' or
    'bilinear' (see functional.interpolate)."""

    def __init__(self, size: Size | None = None,
                 scale_factor: float | tuple[float, ...] | None = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None):
        super().__init__()
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            scale_factor = tuple(float(s) for s in scale_factor)
        self.scale_factor = None if scale_factor is None else (
            scale_factor if isinstance(scale_factor, tuple) else float(scale_factor))
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return resize(input, self.size, self.scale_factor, self.mode, self.align_corners,
                      self.recompute_scale_factor, "Upsample")

    def extra_repr(self) -> str:
        info = (f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None
                else f"size={self.size!r}")
        return info + f", mode={self.mode!r}"
