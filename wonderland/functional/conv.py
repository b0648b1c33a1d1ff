"""Convolutions as matrix products over strided windows: conv1d, conv2d, conv_transpose1d/2d.

conv: pad, read the input through a strided view of its sliding windows laid out as
(groups, N, C/groups, *kernel, *out), flatten that to one matrix per group and example, and
multiply the kernel by it in one batched matmul; the backward pass is again matrix products
plus the view's scatter-add. conv_transpose runs the same steps the other way: one batched
matmul gives every input pixel's contribution, and the scatter-add (the adjoint of conv's
view) sums them into the output."""
from __future__ import annotations

import math

from .. import ops
from ..core.tensor import Tensor
from ..ops.strided import AsStridedAdd, contiguous_strides

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]

Size = int | tuple[int, ...]
SPATIAL = {1: "L", 2: "H, W"}


def ntuple(value, nd: int, name: str, what: str, low: int = 0) -> tuple[int, ...]:
    """`value` as nd ints (an int is repeated), each at least `low`."""
    out = (value,) * nd if isinstance(value, int) else tuple(value)
    if len(out) != nd or not all(isinstance(v, int) and v >= low for v in out):
        raise ValueError(f"{name}: {what} must be an int or {nd} ints, each >= {low}, "
                         f"got {value!r}")
    return out


def check_input(x: Tensor, nd: int, channels: int | None, name: str) -> tuple[Tensor, bool]:
    """x with a batch dimension (added when x is unbatched) and whether one was added. A wrong
    rank or channel count raises an error naming the layer, the expected and the actual shape."""
    sp = SPATIAL[nd]
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{name}: expected a {nd + 2}-D input (N, C, {sp}) or a {nd + 1}-D "
                         f"unbatched one (C, {sp}), got shape {x.shape}")
    if channels is not None and x.shape[-nd - 1] != channels:
        raise ValueError(f"{name}: expected input of shape (N, {channels}, {sp}) with "
                         f"{channels} channels, got shape {x.shape}")
    return (x.unsqueeze(0), True) if x.ndim == nd + 1 else (x, False)


def window_geometry(size, kernel, stride, dilation, name: str, shape) -> list[int]:
    """The number of windows along each spatial dimension of a (padded) input."""
    out = []
    for n, k, s, d in zip(size, kernel, stride, dilation):
        span = d * (k - 1) + 1
        if span > n:
            raise ValueError(f"{name}: the kernel {tuple(kernel)} with dilation "
                             f"{tuple(dilation)} spans {span}, more than the padded input's "
                             f"size {n} (padded input shape {tuple(shape)})")
        out.append((n - span) // s + 1)
    return out


def windows(x: Tensor, kernel, stride, dilation, out, groups: int = 0) -> Tensor:
    """A strided view of x's sliding windows, (N, C, *out, *kernel); with groups, the layout
    of the per-group im2col matrices instead: (groups, N, C/groups, *kernel, *out)."""
    n, c = x.shape[:2]
    st = contiguous_strides(x.shape)
    steps = [a * s for a, s in zip(st[2:], stride)]
    taps = [a * d for a, d in zip(st[2:], dilation)]
    if not groups:
        return ops.as_strided(x, (n, c, *out, *kernel), (st[0], st[1], *steps, *taps))
    cg = c // groups
    return ops.as_strided(x, (groups, n, cg, *kernel, *out),
                          (st[1] * cg, st[0], st[1], *taps, *steps))


def conv_padding(padding, nd: int, kernel, dilation, stride, name: str) -> list[tuple[int, int]]:
    """(before, after) per spatial dimension: ints, 'valid', or 'same' (the extra one after)."""
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * nd
        if padding != "same":
            raise ValueError(f"{name}: padding must be an int, a tuple, 'same' or 'valid', "
                             f"got {padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError(f"{name}: padding='same' is not supported for strided "
                             f"convolutions (stride {tuple(stride)})")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return [(t // 2, t - t // 2) for t in totals]
    return [(p, p) for p in ntuple(padding, nd, name, "padding")]


def torch_pad(pairs) -> list[int]:
    """(before, after) pairs per dimension in F.pad's order (last dimension first)."""
    return [v for lo_hi in reversed(pairs) for v in lo_hi]


def _weight_checks(weight: Tensor, groups: int, nd: int, name: str, transposed: bool) -> None:
    if weight.ndim != nd + 2:
        raise ValueError(f"{name}: expected a {nd + 2}-D weight, got shape {weight.shape}")
    split = weight.shape[0]  # output channels (conv) or input channels (transposed)
    if not isinstance(groups, int) or groups < 1 or split % groups:
        role = "input" if transposed else "output"
        raise ValueError(f"{name}: groups={groups} must be a positive divisor of the {split} "
                         f"{role} channels of weight {weight.shape}")


def _add_bias(y: Tensor, bias: Tensor | None, nd: int, name: str) -> Tensor:
    if bias is None:
        return y
    if bias.shape != (y.shape[1],):
        raise ValueError(f"{name}: expected a bias of shape ({y.shape[1]},), got {bias.shape}")
    return y + bias.reshape((y.shape[1],) + (1,) * nd)


def conv(x: Tensor, weight: Tensor, bias, stride, padding, dilation, groups: int, nd: int,
         name: str) -> Tensor:
    """The N-d convolution behind conv1d/conv2d and the Conv layers (errors say `name`)."""
    _weight_checks(weight, groups, nd, name, transposed=False)
    out_c, cg, *kernel = weight.shape
    x, unbatched = check_input(x, nd, cg * groups, name)
    stride = ntuple(stride, nd, name, "stride", 1)
    dilation = ntuple(dilation, nd, name, "dilation", 1)
    pairs = conv_padding(padding, nd, kernel, dilation, stride, name)
    if any(lo or hi for lo, hi in pairs):
        x = ops.pad(x, torch_pad(pairs))
    n = x.shape[0]
    out = window_geometry(x.shape[2:], kernel, stride, dilation, name, x.shape)
    cols = windows(x, kernel, stride, dilation, out, groups)
    cols = cols.reshape(groups, n, cg * math.prod(kernel), math.prod(out))  # im2col
    w = weight.reshape(groups, 1, out_c // groups, cg * math.prod(kernel))
    y = (w @ cols).permute(1, 0, 2, 3).reshape(n, out_c, *out)
    y = _add_bias(y, bias, nd, name)
    return y.squeeze(0) if unbatched else y


def conv_transpose(x: Tensor, weight: Tensor, bias, stride, padding, output_padding,
                   groups: int, dilation, nd: int, name: str) -> Tensor:
    """The N-d transposed convolution (the gradient of conv with respect to its input)."""
    _weight_checks(weight, groups, nd, name, transposed=True)
    in_c, og, *kernel = weight.shape
    x, unbatched = check_input(x, nd, in_c, name)
    stride = ntuple(stride, nd, name, "stride", 1)
    dilation = ntuple(dilation, nd, name, "dilation", 1)
    padding = ntuple(padding, nd, name, "padding")
    extra = ntuple(output_padding, nd, name, "output_padding")
    if any(e >= max(s, d) for e, s, d in zip(extra, stride, dilation)):
        raise ValueError(f"{name}: output_padding {extra} must be smaller than either stride "
                         f"{stride} or dilation {dilation}")
    n, _, *size = x.shape
    full = [(i - 1) * s + d * (k - 1) + 1 + e
            for i, s, d, k, e in zip(size, stride, dilation, kernel, extra)]
    if any(f - 2 * p < 1 for f, p in zip(full, padding)):
        raise ValueError(f"{name}: padding {padding} leaves no output for input shape {x.shape} "
                         f"and kernel {tuple(kernel)} (full output size {tuple(full)})")
    cg, out_c = in_c // groups, og * groups
    cols = x.reshape(n, groups, cg, math.prod(size)).permute(1, 0, 2, 3)
    w = weight.reshape(groups, cg, og * math.prod(kernel)).mT.unsqueeze(1)
    parts = (w @ cols).reshape(groups, n, og, *kernel, *size)
    # part [g, n, o, k, i] goes to out[n, g*og + o, i*stride + k*dilation]: conv's view, adjoint
    st = contiguous_strides((n, out_c, *full))
    steps = [a * s for a, s in zip(st[2:], stride)]
    taps = [a * d for a, d in zip(st[2:], dilation)]
    y = AsStridedAdd((n, out_c, *full), parts.shape,
                     (st[1] * og, st[0], st[1], *taps, *steps))(parts)
    if any(padding):
        y = y[(slice(None), slice(None)) + tuple(slice(p, f - p) for p, f in zip(padding, full))]
    y = _add_bias(y, bias, nd, name)
    return y.squeeze(0) if unbatched else y


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size = 1,  # noqa: A002
           padding: Size | str = 0, dilation: Size = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of (N, C_in, L) with weight (C_out, C_in/groups, k)."""
    return conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size = 1,  # noqa: A002
           padding: Size | str = 0, dilation: Size = 1, groups: int = 1) -> Tensor:
    """2-D convolution of (N, C_in, H, W) with weight (C_out, C_in/groups, kh, kw)."""
    return conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: Size = 1, padding: Size = 0, output_padding: Size = 0,
                     groups: int = 1, dilation: Size = 1) -> Tensor:
    """1-D transposed convolution of (N, C_in, L) with weight (C_in, C_out/groups, k)."""
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                          dilation, 1, "conv_transpose1d")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: Size = 1, padding: Size = 0, output_padding: Size = 0,
                     groups: int = 1, dilation: Size = 1) -> Tensor:
    """2-D transposed convolution of (N, C_in, H, W) with weight (C_in, C_out/groups, kh, kw)."""
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                          dilation, 2, "conv_transpose2d")
