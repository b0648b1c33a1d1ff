"""unfold (im2col: every sliding block of (N, C, H, W) as a column of (N, C kh kw, L)) as a
strided view of the padded input, and fold (col2im, its adjoint: columns summed back into
place) as a transposed convolution with one-hot kernels, so both stay fused and each is the
other's derivative."""
from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..core.tensor import Tensor
from .conv import conv_transpose, ntuple, torch_pad, window_geometry, windows

__all__ = ["unfold", "fold"]

Size = int | tuple[int, ...]


def _geometry(name: str, kernel_size, dilation, padding, stride):
    return (ntuple(kernel_size, 2, name, "kernel_size", 1), ntuple(dilation, 2, name,
                                                                   "dilation", 1),
            ntuple(padding, 2, name, "padding"), ntuple(stride, 2, name, "stride", 1))


def unfold(input: Tensor, kernel_size: Size, dilation: Size = 1, padding: Size = 0,  # noqa: A002
           stride: Size = 1) -> Tensor:
    """(N, C, H, W) (or unbatched (C, H, W)) -> (N, C kh kw, L): each sliding block as a
    column, channel-major then kernel position, blocks in row-major order."""
    name = "unfold"
    kernel, dilation, padding, stride = _geometry(name, kernel_size, dilation, padding, stride)
    if input.ndim not in (3, 4):
        raise ValueError(f"{name}: expected a 4-D (N, C, H, W) or 3-D unbatched (C, H, W) "
                         f"input, got shape {input.shape}")
    x = input if input.ndim == 4 else input.unsqueeze(0)
    if any(padding):
        x = ops.pad(x, torch_pad([(p, p) for p in padding]))
    out = window_geometry(x.shape[2:], kernel, stride, dilation, name, x.shape)
    n, c = x.shape[:2]
    cols = windows(x, kernel, stride, dilation, out).permute(0, 1, 4, 5, 2, 3)
    cols = cols.reshape(n, c * math.prod(kernel), math.prod(out))
    return cols if input.ndim == 4 else cols.squeeze(0)


def fold(input: Tensor, output_size: Size, kernel_size: Size, dilation: Size = 1,  # noqa: A002
         padding: Size = 0, stride: Size = 1) -> Tensor:
    """(N, C kh kw, L) (or unbatched (C kh kw, L)) -> (N, C, H, W): the columns summed back
    into their blocks (overlaps add), the inverse layout of unfold."""
    name = "fold"
    kernel, dilation, padding, stride = _geometry(name, kernel_size, dilation, padding, stride)
    size = ntuple(output_size, 2, name, "output_size", 1)
    if input.ndim not in (2, 3):
        raise ValueError(f"{name}: expected a 3-D (N, C*kh*kw, L) or 2-D unbatched input, got "
                         f"shape {input.shape}")
    x = input if input.ndim == 3 else input.unsqueeze(0)
    k = math.prod(kernel)
    if x.shape[1] % k:
        raise ValueError(f"{name}: the {x.shape[1]} rows of input {input.shape} must be "
                         f"divisible by the kernel's {k} positions (kernel_size {kernel})")
    framed = tuple(s + 2 * p for s, p in zip(size, padding))
    blocks = window_geometry(framed, kernel, stride, dilation, name, framed)
    if x.shape[2] != math.prod(blocks):
        raise ValueError(f"{name}: expected {math.prod(blocks)} blocks ({blocks[0]} x "
                         f"{blocks[1]}) for output_size {size}, kernel_size {kernel}, "
                         f"dilation {dilation}, padding {padding}, stride {stride}, but the "
                         f"input {input.shape} has {x.shape[2]}")
    c = x.shape[1] // k
    # one group per channel: its k input channels each put a one-hot kernel tap in place
    taps = ops.tensor(np.tile(np.eye(k).reshape(k, 1, *kernel), (c, 1, 1, 1)), dtype=x.dtype,
                      device=x.device)
    full = [(b - 1) * s + d * (kk - 1) + 1 for b, s, d, kk in zip(blocks, stride, dilation,
                                                                 kernel)]
    extra = tuple(f - u for f, u in zip(framed, full))  # rows no block reaches: zeros
    y = conv_transpose(x.reshape(x.shape[0], c * k, *blocks), taps, None, stride, padding,
                       extra, c, dilation, 2, name)
    return y if input.ndim == 3 else y.squeeze(0)
