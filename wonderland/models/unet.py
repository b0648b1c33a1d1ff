"""A small U-Net for score and noise prediction (Ho et al. 2020's layout, shrunk): residual
blocks of GroupNorm + SiLU + 3x3 conv with the time embedding added per block, stride-2 conv
downsampling, nearest + conv upsampling, concatenated skips and self-attention at chosen levels.
forward(x, t) maps (N, C, H, W) images and (N,) times to a tensor shaped like x."""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..core.tensor import Tensor
from ..functional import scaled_dot_product_attention, silu
from ..nn import Conv2d, GroupNorm, Linear, Module, ModuleDict, ModuleList
from ..ops import cat, tensor

__all__ = ["UNet", "timestep_embedding"]


def timestep_embedding(t: Tensor, dim: int, max_period: float = 10_000.0) -> Tensor:
    """(N,) times -> (N, dim) features [sin(t f_k), cos(t f_k)], f_k = max_period^(-k / (dim/2)),
    the Transformer's positional code applied to t (dim must be even)."""
    half = dim // 2
    freqs = np.exp(-math.log(max_period) * np.arange(half, dtype=np.float64) / half)
    args = t.unsqueeze(1) * tensor(freqs, dtype=t.dtype, device=t.device).unsqueeze(0)
    return cat([args.sin(), args.cos()], 1)


def upsample_nearest2x(x: Tensor) -> Tensor:
    """(N, C, H, W) -> (N, C, 2H, 2W), each pixel repeated 2x2 (interpolate's nearest, written
    as a broadcast so that its gradient is a sum rather than a scatter-add)."""
    n, c, h, w = x.shape
    return x.reshape(n, c, h, 1, w, 1).expand(n, c, h, 2, w, 2).reshape(n, c, 2 * h, 2 * w)


class ResBlock(Module):
    """x -> conv(silu(norm(x))) + Linear(silu(temb)) per channel -> conv(silu(norm(h))), added to
    x (through a 1x1 conv when the channel count changes)."""

    def __init__(self, cin: int, cout: int, time_dim: int, groups: int) -> None:
        super().__init__()
        self.norm1 = GroupNorm(min(groups, cin), cin)
        self.conv1 = Conv2d(cin, cout, 3, padding=1)
        self.time = Linear(time_dim, cout)
        self.norm2 = GroupNorm(min(groups, cout), cout)
        self.conv2 = Conv2d(cout, cout, 3, padding=1)
        self.skip = Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x: Tensor, temb: Tensor) -> Tensor:
        h = self.conv1(silu(self.norm1(x)))
        h = h + self.time(silu(temb)).unsqueeze(-1).unsqueeze(-1)
        h = self.conv2(silu(self.norm2(h)))
        return h + (x if self.skip is None else self.skip(x))


class Attention(Module):
    """Multi-head self-attention over the H*W positions of (N, C, H, W), pre-normed with
    GroupNorm, added back to its input."""

    def __init__(self, channels: int, groups: int, heads: int = 1) -> None:
        super().__init__()
        if channels % heads:
            raise ValueError(f"UNet attention: {channels} channels do not split into {heads} "
                             f"heads")
        self.heads = heads
        self.norm = GroupNorm(min(groups, channels), channels)
        self.qkv = Linear(channels, 3 * channels)
        self.proj = Linear(channels, channels)

    def forward(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        tokens = self.norm(x).flatten(2).transpose(1, 2)  # (N, HW, C)
        q, k, v = (z.reshape(n, h * w, self.heads, c // self.heads).transpose(1, 2)
                   for z in self.qkv(tokens).chunk(3, -1))
        out = scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(n, h * w, c)
        return x + self.proj(out).transpose(1, 2).reshape(n, c, h, w)


class UNet(Module):
    """conv_in -> per level: ResBlock (+ attention), stride-2 conv except at the last level ->
    middle ResBlock, attention (when the last level has it), ResBlock -> per level, deepest
    first: concatenate that level's skip, ResBlock (+ attention), nearest x2 + conv except at the
    top -> GroupNorm, SiLU, conv_out. Times t (N,) are multiplied by `time_scale` (1000 maps a
    continuous t in [0, 1] onto DDPM's step range) before the sinusoidal embedding and its MLP.
    `attention_at` names levels by index (0 = full resolution); H and W must be divisible by
    2^(levels - 1): 28 -> 14 -> 7 for three levels."""

    def __init__(self, in_channels: int = 1, channels: Sequence[int] = (32, 64, 128),
                 time_dim: int = 128, attention_at: Sequence[int] = (2,), groups: int = 8,
                 heads: int = 1, time_scale: float = 1000.0) -> None:
        super().__init__()
        channels = tuple(channels)
        if not channels or any(c % min(groups, c) for c in channels):
            raise ValueError(f"UNet: channels {channels} must be non-empty and each divisible "
                             f"by groups={groups} (or smaller than it)")
        if any(not 0 <= a < len(channels) for a in attention_at):
            raise ValueError(f"UNet: attention_at {tuple(attention_at)} must name levels "
                             f"0..{len(channels) - 1}")
        self.in_channels, self.channels, self.time_scale = in_channels, channels, time_scale
        base = channels[0]
        if base % 2:
            raise ValueError(f"UNet: the first level's channels ({base}) must be even: they "
                             f"size the sinusoidal time features")
        self.time_mlp = ModuleList([Linear(base, time_dim), Linear(time_dim, time_dim)])
        self.conv_in = Conv2d(in_channels, base, 3, padding=1)
        last = len(channels) - 1

        # attention blocks by place: down<i>, mid, up<i> for the levels in attention_at
        self.attn = ModuleDict({f"{where}{i}": Attention(channels[i], groups, heads)
                                for i in sorted(set(attention_at)) for where in ("down", "up")})
        if last in attention_at:
            self.attn["mid"] = Attention(channels[last], groups, heads)
        prev = base
        self.down, self.downsample = ModuleList(), ModuleList()
        for i, c in enumerate(channels):
            self.down.append(ResBlock(prev, c, time_dim, groups))
            if i < last:
                self.downsample.append(Conv2d(c, c, 3, stride=2, padding=1))
            prev = c
        self.mid1 = ResBlock(prev, prev, time_dim, groups)
        self.mid2 = ResBlock(prev, prev, time_dim, groups)
        self.up, self.upsample = ModuleList(), ModuleList()
        for i in reversed(range(len(channels))):
            c = channels[i]
            self.up.append(ResBlock(prev + c, c, time_dim, groups))
            if i > 0:
                self.upsample.append(Conv2d(c, channels[i - 1], 3, padding=1))
            prev = channels[i - 1] if i > 0 else c
        self.norm_out = GroupNorm(min(groups, base), base)
        self.conv_out = Conv2d(base, in_channels, 3, padding=1)

    def _check(self, x: Tensor, t: Tensor) -> None:
        factor = 2 ** (len(self.channels) - 1)
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"UNet: expected x of shape (N, {self.in_channels}, H, W), got "
                             f"{x.shape}")
        if x.shape[2] % factor or x.shape[3] % factor:
            raise ValueError(f"UNet: H and W must be divisible by {factor} for "
                             f"{len(self.channels)} levels, got {x.shape[2]}x{x.shape[3]}")
        if t.shape != (x.shape[0],):
            raise ValueError(f"UNet: expected t of shape ({x.shape[0]},), one time per image, "
                             f"got {t.shape}")

    def _attend(self, place: str, h: Tensor) -> Tensor:
        return self.attn[place](h) if place in self.attn else h

    def forward(self, x: Tensor, t: Tensor) -> Tensor:
        self._check(x, t)
        temb = timestep_embedding(t * self.time_scale, self.channels[0])
        temb = self.time_mlp[1](silu(self.time_mlp[0](temb)))
        h, skips = self.conv_in(x), []
        for i, block in enumerate(self.down):
            h = block(h, temb)
            h = self._attend(f"down{i}", h)
            skips.append(h)
            if i < len(self.downsample):
                h = self.downsample[i](h)
        h = self.mid1(h, temb)
        h = self._attend("mid", h)
        h = self.mid2(h, temb)
        for j, block in enumerate(self.up):
            h = block(cat([h, skips.pop()], 1), temb)
            h = self._attend(f"up{len(self.channels) - 1 - j}", h)
            if j < len(self.upsample):
                h = self.upsample[j](upsample_nearest2x(h))
        return self.conv_out(silu(self.norm_out(h)))
