"""NumPy image arithmetic behind the augmentations in transforms.py, in torchvision's tensor
conventions (CHW, floats in [0, 1] or uint8 in [0, 255]): bilinear resizing, grayscale, blending
and the RGB <-> HSV round trip."""
from __future__ import annotations

import numpy as np


def _axis_weights(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each output position: the two input positions it mixes and the second one's weight,
    with pixel centres aligned (PyTorch's align_corners=False); sources before 0 clamp to 0."""
    src = np.maximum((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0.0)
    lo = np.minimum(src.astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    return lo, hi, src - lo


def resize_bilinear(a: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize the last two axes to (height, width) by bilinear interpolation without
    antialiasing (F.interpolate(mode='bilinear', align_corners=False)); uint8 is rounded back."""
    h0, h1, fh = _axis_weights(a.shape[-2], height)
    w0, w1, fw = _axis_weights(a.shape[-1], width)
    x = a.astype(np.float64)
    rows = x[..., h0, :] * (1 - fh)[:, None] + x[..., h1, :] * fh[:, None]
    out = rows[..., w0] * (1 - fw) + rows[..., w1] * fw
    if a.dtype == np.uint8:
        return np.clip(np.round(out), 0, 255).astype(np.uint8)
    return out.astype(a.dtype if a.dtype.kind == "f" else np.float32)


def bound(a: np.ndarray) -> float:
    """The largest pixel value: 255 for uint8, 1 for floats."""
    return 255.0 if a.dtype == np.uint8 else 1.0


def blend(a: np.ndarray, b, ratio: float) -> np.ndarray:
    """ratio * a + (1 - ratio) * b clamped to the image's range, in a's dtype (uint8 truncated,
    as torchvision's _blend)."""
    out = np.clip(ratio * a.astype(np.float64) + (1.0 - ratio) * b, 0.0, bound(a))
    return out.astype(a.dtype)


def grayscale(a: np.ndarray) -> np.ndarray:
    """ITU-R 601-2 luma of the channel axis (-3), kept as one channel; a 1-channel image is its
    own grayscale. In a's dtype (uint8 truncated, as torchvision)."""
    if a.shape[-3] == 1:
        return a
    r, g, b = (a[..., i, :, :].astype(np.float64) for i in range(3))
    return (0.2989 * r + 0.587 * g + 0.114 * b)[..., None, :, :].astype(a.dtype)


def rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    """Float RGB in [0, 1] on axis -3 to HSV (hue in [0, 1)), as colorsys.rgb_to_hsv per pixel."""
    r, g, b = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    maxc, minc = rgb.max(axis=-3), rgb.min(axis=-3)
    span = maxc - minc
    safe = np.where(span == 0, 1.0, span)
    rc, gc, bc = (maxc - r) / safe, (maxc - g) / safe, (maxc - b) / safe
    h = np.where(maxc == r, bc - gc, np.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    h = np.where(span == 0, 0.0, (h / 6.0) % 1.0)
    s = np.where(maxc == 0, 0.0, span / np.where(maxc == 0, 1.0, maxc))
    return np.stack([h, s, maxc], axis=-3)


def hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    """The inverse of rgb_to_hsv (colorsys.hsv_to_rgb per pixel)."""
    h, s, v = hsv[..., 0, :, :], hsv[..., 1, :, :], hsv[..., 2, :, :]
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    i = i.astype(np.int64) % 6
    r = np.choose(i, [v, q, p, p, t, v])
    g = np.choose(i, [t, v, v, q, p, p])
    b = np.choose(i, [p, p, t, v, v, q])
    return np.stack([r, g, b], axis=-3)


def shift_hue(a: np.ndarray, shift: float) -> np.ndarray:
    """Rotate the hue of an RGB image by `shift` turns (in [-0.5, 0.5]); uint8 goes through
    [0, 1] floats and back, truncated as torchvision's adjust_hue."""
    x = a.astype(np.float64) / bound(a)
    hsv = rgb_to_hsv(x)
    hsv[..., 0, :, :] = (hsv[..., 0, :, :] + shift) % 1.0
    out = hsv_to_rgb(hsv) * bound(a)
    return np.clip(out, 0, bound(a)).astype(a.dtype)
