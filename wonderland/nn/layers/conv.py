"""Conv1d/2d/3d, ConvTranspose1d/2d/3d: weights and padding modes over
wonderland.functional.conv."""
from __future__ import annotations

import math

from ... import ops
from ...core.tensor import Tensor
from ...functional.conv import (
    check_input,
    conv,
    conv_padding,
    conv_transpose,
    ntuple,
    torch_pad,
)
from .. import init
from ..module import Module
from ..parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d"]

Size = int | tuple[int, ...]
PAD_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate",
             "circular": "circular"}


class _ConvNd(Module):
    """Shared construction, initialisation and repr of the convolution layers."""

    nd: int
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Size, stride: Size,
                 padding: Size | str, dilation: Size, groups: int, bias: bool,
                 padding_mode: str, output_padding: Size = 0, device=None, dtype=None):
        super().__init__()
        name, nd = type(self).__name__, self.nd
        if not isinstance(groups, int) or groups < 1:
            raise ValueError(f"{name}: groups must be a positive int, got {groups!r}")
        for what, n in (("in_channels", in_channels), ("out_channels", out_channels)):
            if n % groups:
                raise ValueError(f"{name}: {what} ({n}) must be divisible by groups ({groups})")
        if padding_mode not in PAD_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {sorted(PAD_MODES)}, "
                             f"got {padding_mode!r}")
        if self.transposed and padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = ntuple(kernel_size, nd, name, "kernel_size", 1)
        self.stride = ntuple(stride, nd, name, "stride", 1)
        self.dilation = ntuple(dilation, nd, name, "dilation", 1)
        self.padding = padding if isinstance(padding, str) else ntuple(padding, nd, name,
                                                                       "padding")
        self.output_padding = ntuple(output_padding, nd, name, "output_padding")
        self.padding_mode = padding_mode
        # F.pad's amounts for the non-zero padding modes (also checks 'same' against stride)
        self._pad = torch_pad(conv_padding(self.padding, nd, self.kernel_size, self.dilation,
                                           self.stride, name))
        shape = ((in_channels, out_channels // groups) if self.transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(ops.empty(shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(ops.empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_(a=sqrt(5)), bias uniform in +-1/sqrt(fan_in)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.fan_in_and_fan_out(self.weight)
            if fan_in:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        nd = self.nd
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    """Conv1d/2d/3d: the non-zero padding modes pad first, then convolve without padding."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Size, stride: Size = 1,
                 padding: Size | str = 0, dilation: Size = 1, groups: int = 1,
                 bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device=device, dtype=dtype)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        name, x, padding = type(self).__name__, input, self.padding
        if self.padding_mode != "zeros":
            check_input(x, self.nd, self.in_channels, name)
            x, padding = ops.pad(x, self._pad, mode=PAD_MODES[self.padding_mode]), 0
        return conv(x, self.weight, self.bias, self.stride, padding, self.dilation,
                    self.groups, self.nd, name)


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L): weight (C_out, C_in/groups, k), PyTorch's arguments
    (stride, padding incl. 'same'/'valid', dilation, groups, bias, padding_mode)."""

    nd = 1


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W): weight (C_out, C_in/groups, kh, kw), PyTorch's
    arguments (stride, padding incl. 'same'/'valid', dilation, groups, bias, padding_mode)."""

    nd = 2


class Conv3d(_Conv):
    """3-D convolution over (N, C_in, D, H, W): weight (C_out, C_in/groups, kd, kh, kw),
    PyTorch's arguments (as Conv2d)."""

    nd = 3


class _ConvTranspose(_ConvNd):
    """ConvTranspose1d/2d/3d: forward takes an optional output_size, as in PyTorch."""

    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Size, stride: Size = 1,
                 padding: Size = 0, output_padding: Size = 0, groups: int = 1,
                 bias: bool = True, dilation: Size = 1, padding_mode: str = "zeros",
                 device=None, dtype=None):
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple, "
                             f"got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device, dtype)

    def _output_padding(self, x: Tensor, output_size) -> tuple[int, ...]:
        """The output_padding that yields output_size (its last nd entries), as PyTorch."""
        if output_size is None:
            return self.output_padding
        nd, name = self.nd, type(self).__name__
        want = tuple(output_size)[-nd:]
        if len(want) != nd:
            raise ValueError(f"{name}: output_size needs {nd} spatial sizes, got {output_size}")
        extra = []
        for a in range(nd):
            low = ((x.shape[x.ndim - nd + a] - 1) * self.stride[a] - 2 * self.padding[a]
                   + self.dilation[a] * (self.kernel_size[a] - 1) + 1)
            if not low <= want[a] < low + self.stride[a]:
                raise ValueError(f"{name}: requested an output size of {want}, but valid "
                                 f"sizes along dimension {a} range from {low} to "
                                 f"{low + self.stride[a] - 1} (input shape {x.shape})")
            extra.append(want[a] - low)
        return tuple(extra)

    def forward(self, input: Tensor, output_size=None) -> Tensor:  # noqa: A002
        name = type(self).__name__
        check_input(input, self.nd, self.in_channels, name)
        return conv_transpose(input, self.weight, self.bias, self.stride, self.padding,
                              self._output_padding(input, output_size), self.groups,
                              self.dilation, self.nd, name)


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution (the gradient of Conv1d) over (N, C_in, L): weight
    (C_in, C_out/groups, k); output_padding (or forward's output_size) picks the length."""

    nd = 1


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution (the gradient of Conv2d) over (N, C_in, H, W): weight
    (C_in, C_out/groups, kh, kw); output_padding (or forward's output_size) picks the size."""

    nd = 2


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution (the gradient of Conv3d) over (N, C_in, D, H, W): weight
    (C_in, C_out/groups, kd, kh, kw); output_padding (or forward's output_size) picks the size."""

    nd = 3
