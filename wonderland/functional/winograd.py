"""Winograd's minimal filtering (Lavin & Gray 2016) for 3x3, stride-1 convolutions: F(m x m, 3x3)
computes an m x m output tile from an (m + 2) x (m + 2) input tile with (m + 2)^2 multiplications
instead of 9 m^2, as Y = A^T [(G g G^T) * (B^T d B)] A. Summed over input channels, the
elementwise products become (m + 2)^2 matrix products of (out x in) by (in x tiles). F(2x2, 3x3)
saves 2.25x the multiplications, F(4x4, 3x3) 4x; the larger transforms have larger entries, so
their rounding error grows (measured in the tests and docs/benchmarks.md). A composite of ops:
the input and weight gradients come from the same transforms, transposed."""
from __future__ import annotations

import math

import numpy as np

from ..core.tensor import Tensor
from ..ops import pad, tensor

__all__ = ["conv2d_winograd"]

# (B^T, G, A^T) for F(2x2, 3x3) (interpolation points 0, 1, -1, infinity) and F(4x4, 3x3)
# (0, 1, -1, 2, -2, infinity)
TRANSFORMS = {
    2: ([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
        [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
        [[1, 1, 1, 0], [0, 1, -1, -1]]),
    4: ([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
         [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
        [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
         [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
        [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]),
}


def conv2d_winograd(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                    padding: int = 0, tile: int = 2) -> Tensor:
    """F.conv2d(input, weight, bias, stride=1, padding=padding) for a 3x3 weight, by Winograd's
    F(tile x tile, 3x3), tile 2 or 4: input (N, C, H, W), weight (K, C, 3, 3) -> (N, K, H', W')."""
    if tile not in TRANSFORMS:
        raise ValueError(f"conv2d_winograd: tile must be 2 or 4 (F(2x2, 3x3), F(4x4, 3x3)), "
                         f"got {tile}")
    if input.ndim != 4 or weight.ndim != 4 or tuple(weight.shape[2:]) != (3, 3) \
            or weight.shape[1] != input.shape[1]:
        raise ValueError(f"conv2d_winograd: expected input (N, C, H, W) and a 3x3 weight "
                         f"(K, C, 3, 3), got input {tuple(input.shape)} and weight "
                         f"{tuple(weight.shape)}")
    if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
        raise ValueError(f"conv2d_winograd: padding must be a non-negative integer, got "
                         f"{padding!r}")
    n, c, h, w = input.shape
    k, size = weight.shape[0], tile + 2
    out_h, out_w = h + 2 * padding - 2, w + 2 * padding - 2
    if out_h < 1 or out_w < 1:
        raise ValueError(f"conv2d_winograd: input {tuple(input.shape)} with padding {padding} "
                         f"is smaller than the 3x3 kernel")
    rows, cols = math.ceil(out_h / tile), math.ceil(out_w / tile)
    # pad so that the tiles, overlapping by 2, cover the output exactly
    x = pad(input, (padding, cols * tile + 2 - w - padding,
                    padding, rows * tile + 2 - h - padding))
    bt, g, at = (tensor(np.array(m, dtype=np.float64), dtype=input.dtype, device=input.device)
                 for m in TRANSFORMS[tile])
    d = x.unfold(2, size, tile).unfold(3, size, tile)  # (N, C, rows, cols, size, size)
    v = _sandwich(bt, d)  # B^T d B
    u = _sandwich(g, weight)  # G g G^T: (K, C, size, size)
    # one (K x C) @ (C x tiles) product per position of the transformed tile
    v = v.permute(4, 5, 1, 0, 2, 3).reshape(size * size, c, n * rows * cols)
    m = u.permute(2, 3, 0, 1).reshape(size * size, k, c) @ v
    m = m.reshape(size, size, k, n, rows, cols).permute(3, 2, 4, 5, 0, 1)
    y = _sandwich(at, m)  # A^T m A: (N, K, rows, cols, tile, tile)
    y = y.permute(0, 1, 2, 4, 3, 5).reshape(n, k, rows * tile, cols * tile)[..., :out_h, :out_w]
    return y if bias is None else y + bias.reshape(1, k, 1, 1)


def _sandwich(left: Tensor, x: Tensor) -> Tensor:
    """left @ x @ left^T over the last two axes of x, as two flat products (one BLAS call each,
    rather than one small product per tile)."""
    r, c = left.shape
    lead = x.shape[:-2]
    y = x.reshape(-1, c) @ left.transpose(0, 1)  # x left^T: rows of x times left's rows
    y = y.reshape(*lead, c, r).transpose(-1, -2).reshape(-1, c) @ left.transpose(0, 1)
    return y.reshape(*lead, r, r).transpose(-1, -2)
