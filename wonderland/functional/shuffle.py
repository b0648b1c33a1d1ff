"""Pixel shuffle: channels traded for spatial resolution (sub-pixel convolution), as a reshape
and a permutation of (*, C r^2, H, W) <-> (*, C, H r, W r)."""
from __future__ import annotations

from ..core.tensor import Tensor

__all__ = ["pixel_shuffle", "pixel_unshuffle"]


def _check(name: str, x: Tensor, factor: int, what: str) -> None:
    if not isinstance(factor, int) or isinstance(factor, bool) or factor < 1:
        raise ValueError(f"{name}: {what} must be a positive int, got {factor!r}")
    if x.ndim < 3:
        raise ValueError(f"{name}: expected an input of at least 3 dimensions (*, C, H, W), "
                         f"got shape {x.shape}")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C r^2, H, W) -> (*, C, H r, W r):
    out[c, h r + i, w r + j] = in[c r^2 + i r + j, h, w]."""
    r = upscale_factor
    _check("pixel_shuffle", input, r, "upscale_factor")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise ValueError(f"pixel_shuffle: the {c} channels of input {input.shape} must be "
                         f"divisible by upscale_factor**2 = {r * r}")
    n = len(lead)
    y = input.reshape(*lead, c // (r * r), r, r, h, w)
    y = y.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return y.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of pixel_shuffle."""
    r = downscale_factor
    _check("pixel_unshuffle", input, r, "downscale_factor")
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise ValueError(f"pixel_unshuffle: the height and width of input {input.shape} must "
                         f"be divisible by downscale_factor = {r}")
    n = len(lead)
    y = input.reshape(*lead, c, h // r, r, w // r, r)
    y = y.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return y.reshape(*lead, c * r * r, h // r, w // r)
