"""Convolutions: conv1d/2d/3d, conv_transpose1d/2d/3d, checked here and computed by the fused
primitives of ops/conv.py (im2col in batch chunks, one matrix product per chunk and group).
conv_transpose is the input gradient of a convolution, ConvInputGrad, run forwards. With
wl.backends.cudnn.benchmark on, conv2d's 3x3 stride-1 calls may run Winograd's F(2x2, 3x3)
instead, where it measured faster (conv_autotune.py).

windows() (a strided view of sliding windows) stays here for the pooling composites."""
from __future__ import annotations

from .. import ops
from ..core.tensor import Tensor
from ..ops._convert import promote_args
from ..ops.autocast import lower_precision
from ..ops.conv import Conv, ConvInputGrad
from ..ops.strided import contiguous_strides
from . import conv_autotune
from .winograd import conv2d_winograd

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"]

Size = int | tuple[int, ...]
SPATIAL = {1: "L", 2: "H, W", 3: "D, H, W"}


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


def _check_bias(bias: Tensor | None, channels: int, name: str) -> None:
    if bias is not None and bias.shape != (channels,):
        raise ValueError(f"{name}: expected a bias of shape ({channels},), got {bias.shape}")


@lower_precision  # under autocast, in its dtype
def conv(x: Tensor, weight: Tensor, bias, stride, padding, dilation, groups: int, nd: int,
         name: str) -> Tensor:
    """The N-d convolution behind conv1d/conv2d and the Conv layers (errors say `name`)."""
    _weight_checks(weight, groups, nd, name, transposed=False)
    out_c, cg, *kernel = weight.shape
    x, unbatched = check_input(x, nd, cg * groups, name)
    stride = ntuple(stride, nd, name, "stride", 1)
    dilation = ntuple(dilation, nd, name, "dilation", 1)
    pairs = conv_padding(padding, nd, kernel, dilation, stride, name)
    padded = x.shape[:2] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pairs))
    window_geometry(padded[2:], kernel, stride, dilation, name, padded)  # errors only
    _check_bias(bias, out_c, name)
    args = promote_args(name, x, weight) if bias is None else promote_args(name, x, weight, bias)
    if nd == 2 and conv_autotune.choose(args[0], args[1], stride, pairs, dilation,
                                        groups) == "winograd":
        y = conv2d_winograd(*args[:2], args[2] if bias is not None else None,
                            padding=pairs[0][0], tile=2)
    else:
        y = Conv(stride, tuple(pairs), dilation, groups)(*args)
    return y.squeeze(0) if unbatched else y


@lower_precision
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
    full = [(i - 1) * s + d * (k - 1) + 1 + e
            for i, s, d, k, e in zip(x.shape[2:], stride, dilation, kernel, extra)]
    if any(f - 2 * p < 1 for f, p in zip(full, padding)):
        raise ValueError(f"{name}: padding {padding} leaves no output for input shape {x.shape} "
                         f"and kernel {tuple(kernel)} (full output size {tuple(full)})")
    _check_bias(bias, og * groups, name)
    # the convolution whose input gradient this is: padding p before and p - output_padding
    # after (a crop when negative) makes its windows over the output exactly x's positions
    pads = tuple((p, p - e) for p, e in zip(padding, extra))
    size = tuple(f - 2 * p for f, p in zip(full, padding))
    x, weight = promote_args(name, x, weight)
    y = ConvInputGrad(stride, pads, dilation, groups, size)(weight, x)
    if bias is not None:
        y = y + bias.reshape((og * groups,) + (1,) * nd)
    return y.squeeze(0) if unbatched else y


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size = 1,  # noqa: A002
           padding: Size | str = 0, dilation: Size = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of (N, C_in, L) with weight (C_out, C_in/groups, k)."""
    return conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size = 1,  # noqa: A002
           padding: Size | str = 0, dilation: Size = 1, groups: int = 1) -> Tensor:
    """2-D convolution of (N, C_in, H, W) with weight (C_out, C_in/groups, kh, kw)."""
    return conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Size = 1,  # noqa: A002
           padding: Size | str = 0, dilation: Size = 1, groups: int = 1) -> Tensor:
    """3-D convolution of (N, C_in, D, H, W) with weight (C_out, C_in/groups, kd, kh, kw)."""
    return conv(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


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


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: Size = 1, padding: Size = 0, output_padding: Size = 0,
                     groups: int = 1, dilation: Size = 1) -> Tensor:
    """3-D transposed convolution of (N, C_in, D, H, W) with weight
    (C_in, C_out/groups, kd, kh, kw)."""
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                          dilation, 3, "conv_transpose3d")
