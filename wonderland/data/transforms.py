"""Image and array transforms for datasets: Compose, ToTensor, Normalize, RandomCrop,
RandomHorizontalFlip, Lambda, and the augmentations RandomResizedCrop, ColorJitter and
RandomErasing (torchvision's semantics; arithmetic in _image.py). Each is a callable object;
random ones take a `generator=`."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from ..core.random import Generator, get_generator
from ..core.tensor import Tensor
from ..ops.creation import tensor as _tensor
from . import _image


def _as_array(x) -> tuple[np.ndarray, bool]:
    """The data as a NumPy array, and whether it came as a Tensor (so the result goes back)."""
    if isinstance(x, Tensor):
        return x.detach().numpy(), True
    return np.asarray(x), False


def _wrap(a: np.ndarray, was_tensor: bool):
    return _tensor(np.ascontiguousarray(a)) if was_tensor else a


class Compose:
    """Apply several transforms in order: Compose([ToTensor(), Normalize(m, s)])(img)."""

    def __init__(self, transforms: Sequence[Callable]):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self) -> str:
        return f"Compose({self.transforms!r})"


class ToTensor:
    """An HWC (or HW) image or array to a float32 CHW tensor; uint8 values are scaled to [0, 1],
    other dtypes are only cast, as torchvision's ToTensor does."""

    def __call__(self, x) -> Tensor:
        a, _ = _as_array(x)
        if a.ndim == 2:
            a = a[:, :, None]
        if a.ndim != 3:
            raise ValueError(f"ToTensor: expected an HW or HWC image, got shape {a.shape}")
        scale = a.dtype == np.uint8
        a = a.transpose(2, 0, 1).astype(np.float32)
        if scale:
            a /= 255.0
        return _tensor(np.ascontiguousarray(a))

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """Per-channel (x - mean[c]) / std[c] on a CHW (or NCHW) tensor or array."""

    def __init__(self, mean: Sequence[float] | float, std: Sequence[float] | float):
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std must be non-zero, got {self.std.tolist()}")

    def __call__(self, x):
        a, was_tensor = _as_array(x)
        if a.ndim < 3:
            raise ValueError(f"Normalize: expected a CHW image, got shape {a.shape}")
        c = a.shape[-3]
        if self.mean.size not in (1, c) or self.std.size not in (1, c):
            raise ValueError(f"Normalize: {c} channels but mean has {self.mean.size} and std "
                             f"{self.std.size} values")
        dtype = a.dtype if a.dtype.kind == "f" else np.float32
        out = ((a - self.mean[:, None, None]) / self.std[:, None, None]).astype(dtype)
        return _wrap(out, was_tensor)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class RandomCrop:
    """Crop a random size[0] x size[1] window from the last two axes (H, W) of a CHW image,
    after zero-padding each side by `padding` pixels when it is given."""

    def __init__(self, size: int | tuple[int, int], padding: int = 0,
                 generator: Generator | None = None):
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        if len(self.size) != 2 or min(self.size) <= 0:
            raise ValueError(f"RandomCrop: size must be a positive int or (h, w), got {size}")
        if padding < 0:
            raise ValueError(f"RandomCrop: padding must be >= 0, got {padding}")
        self.padding = padding
        self.generator = generator

    def __call__(self, x):
        a, was_tensor = _as_array(x)
        if a.ndim < 2:
            raise ValueError(f"RandomCrop: expected an image, got shape {a.shape}")
        p = self.padding
        if p:
            a = np.pad(a, [(0, 0)] * (a.ndim - 2) + [(p, p), (p, p)])
        h, w = a.shape[-2:]
        th, tw = self.size
        if th > h or tw > w:
            raise ValueError(f"RandomCrop: crop {self.size} is larger than the (padded) image "
                             f"{(h, w)}")
        rng = get_generator(self.generator)
        i = int(rng.integers(0, h - th + 1))
        j = int(rng.integers(0, w - tw + 1))
        return _wrap(a[..., i:i + th, j:j + tw], was_tensor)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror the last axis (W) of an image with probability p."""

    def __init__(self, p: float = 0.5, generator: Generator | None = None):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p}")
        self.p = p
        self.generator = generator

    def __call__(self, x):
        if get_generator(self.generator).random() >= self.p:
            return x
        a, was_tensor = _as_array(x)
        return _wrap(a[..., ::-1], was_tensor)

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class Lambda:
    """Wrap any function as a transform."""

    def __init__(self, fn: Callable):
        if not callable(fn):
            raise TypeError(f"Lambda: expected a callable, got {type(fn).__name__}")
        self.fn = fn

    def __call__(self, x):
        return self.fn(x)

    def __repr__(self) -> str:
        return f"Lambda({getattr(self.fn, '__name__', self.fn)!r})"


def _interval(owner: str, name: str, value, low: float = 0.0) -> tuple[float, float]:
    """A (lo, hi) pair with low <= lo <= hi, or a clear error naming the transform."""
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: {name} must be a pair (lo, hi), got {value!r}") from None
    if not low <= lo <= hi:
        raise ValueError(f"{owner}: {name} must satisfy {low} <= lo <= hi, got {value!r}")
    return lo, hi


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


class RandomResizedCrop:
    """Crop a random window of the last two axes (H, W) and resize it bilinearly (no
    antialiasing) to `size`, as torchvision: the window's area a uniform fraction in `scale` of
    the image's, its aspect ratio w/h log-uniform in `ratio`, w and h rounded; the first of 10
    draws that fits wins, its corner uniform; else the whole image, cut to the nearest ratio
    in `ratio` and centred. uint8 images stay uint8 (rounded)."""

    def __init__(self, size: int | tuple[int, int], scale: tuple[float, float] = (0.08, 1.0),
                 ratio: tuple[float, float] = (3 / 4, 4 / 3),
                 generator: Generator | None = None):
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        if len(self.size) != 2 or min(self.size) <= 0:
            raise ValueError(f"RandomResizedCrop: size must be a positive int or (h, w), got "
                             f"{size}")
        self.scale = _interval("RandomResizedCrop", "scale", scale)
        self.ratio = _interval("RandomResizedCrop", "ratio", ratio)
        if self.scale[1] <= 0 or self.ratio[0] <= 0:
            raise ValueError(f"RandomResizedCrop: scale and ratio must be positive, got "
                             f"scale={scale}, ratio={ratio}")
        self.generator = generator

    def params(self, height: int, width: int) -> tuple[int, int, int, int]:
        """(top, left, h, w) of a window drawn from the generator for a height x width image."""
        rng = get_generator(self.generator)
        area = height * width
        for _ in range(10):
            target = area * rng.uniform(*self.scale)
            aspect = _log_uniform(rng, *self.ratio)
            w = int(round(math.sqrt(target * aspect)))
            h = int(round(math.sqrt(target / aspect)))
            if 0 < w <= width and 0 < h <= height:
                return (int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1)),
                        h, w)
        in_ratio = width / height
        if in_ratio < self.ratio[0]:
            w, h = width, int(round(width / self.ratio[0]))
        elif in_ratio > self.ratio[1]:
            h, w = height, int(round(height * self.ratio[1]))
        else:
            h, w = height, width
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, x):
        a, was_tensor = _as_array(x)
        if a.ndim < 2 or min(a.shape[-2:]) < 1:
            raise ValueError(f"RandomResizedCrop: expected an HW or CHW image, got shape "
                             f"{a.shape}")
        i, j, h, w = self.params(*a.shape[-2:])
        return _wrap(_image.resize_bilinear(a[..., i:i + h, j:j + w], *self.size), was_tensor)

    def __repr__(self) -> str:
        return f"RandomResizedCrop(size={self.size}, scale={self.scale}, ratio={self.ratio})"


class ColorJitter:
    """Random brightness, contrast, saturation and hue of a CHW (or HW) image in [0, 1] (floats)
    or [0, 255] (uint8), as torchvision: so apply it before Normalize. A number v jitters the
    factor uniformly in [max(0, 1 - v), 1 + v] (hue: the shift in [-v, v] turns, v <= 0.5), a
    pair gives the interval itself. Each call draws the order of the four (a permutation),
    then the factors in the order brightness, contrast, saturation, hue (those set only).
    Brightness scales, contrast blends with the mean grey level, saturation with the grey
    image, hue rotates in HSV; results are clamped to the range. A 1-channel image takes only
    brightness and contrast: saturation and hue need 3 (RGB) channels, and raise otherwise."""

    def __init__(self, brightness=0.0, contrast=0.0, saturation=0.0, hue=0.0,
                 generator: Generator | None = None):
        self.brightness = self._factor("brightness", brightness)
        self.contrast = self._factor("contrast", contrast)
        self.saturation = self._factor("saturation", saturation)
        self.hue = self._factor("hue", hue, center=0.0, bound=0.5)
        self.generator = generator

    @staticmethod
    def _factor(name: str, value, center: float = 1.0,
                bound: float | None = None) -> tuple[float, float] | None:
        if isinstance(value, (int, float)):
            if value < 0 or (bound is not None and value > bound):
                raise ValueError(f"ColorJitter: {name} must be in [0, {bound or 'inf'}], got "
                                 f"{value}")
            value = (center - value, center + value)
            if bound is None:
                value = (max(0.0, value[0]), value[1])
        lo, hi = _interval("ColorJitter", name, value, -bound if bound else 0.0)
        if bound is not None and hi > bound:
            raise ValueError(f"ColorJitter: {name} must lie in [-{bound}, {bound}], got {value}")
        return None if lo == hi == center else (lo, hi)

    def params(self) -> tuple[list[int], float | None, float | None, float | None, float | None]:
        """(order of brightness 0, contrast 1, saturation 2, hue 3; their factors or None)."""
        rng = get_generator(self.generator)
        order = [int(k) for k in rng.permutation(4)]
        ranges = (self.brightness, self.contrast, self.saturation, self.hue)
        return (order, *(None if r is None else float(rng.uniform(*r)) for r in ranges))

    def __call__(self, x):
        a, was_tensor = _as_array(x)
        grey2d = a.ndim == 2
        a = a[None] if grey2d else a
        if a.ndim < 3 or not (a.dtype == np.uint8 or a.dtype.kind == "f"):
            raise ValueError(f"ColorJitter: expected a float or uint8 CHW (or HW) image, got "
                             f"shape {a.shape} of {a.dtype}")
        channels = a.shape[-3]
        colour = [n for n in ("saturation", "hue") if getattr(self, n) is not None]
        if colour and channels != 3:
            raise ValueError(f"ColorJitter: {' and '.join(colour)} need an RGB image (3 "
                             f"channels), got shape {a.shape}; a 1-channel image takes only "
                             f"brightness and contrast")
        if self.contrast is not None and channels not in (1, 3):
            raise ValueError(f"ColorJitter: contrast needs 1 or 3 channels, got shape {a.shape}")
        order, *factors = self.params()
        for k in order:
            f = factors[k]
            if f is None:
                continue
            if k == 0:
                a = _image.blend(a, 0.0, f)
            elif k == 1:
                grey = _image.grayscale(a).astype(np.float64)
                a = _image.blend(a, grey.mean(axis=(-3, -2, -1), keepdims=True), f)
            elif k == 2:
                a = _image.blend(a, _image.grayscale(a).astype(np.float64), f)
            else:
                a = _image.shift_hue(a, f)
        return _wrap(a[0] if grey2d else a, was_tensor)

    def __repr__(self) -> str:
        return (f"ColorJitter(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class RandomErasing:
    """With probability p, fill a random rectangle of a CHW image with `value` (Zhong et al.,
    Random Erasing Data Augmentation, 2017), as torchvision: the area a uniform fraction in
    `scale` of the image's, the ratio h/w log-uniform in `ratio`; up to 10 draws, the first
    that fits inside wins (else the image is left alone). value: a number, one number a
    channel, or "random" (standard normal noise, for float images). Usually after Normalize."""

    def __init__(self, p: float = 0.5, scale: tuple[float, float] = (0.02, 0.33),
                 ratio: tuple[float, float] = (0.3, 3.3), value=0.0,
                 generator: Generator | None = None):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomErasing: p must be in [0, 1], got {p}")
        self.p = p
        self.scale = _interval("RandomErasing", "scale", scale)
        self.ratio = _interval("RandomErasing", "ratio", ratio)
        if self.scale[1] > 1 or self.ratio[0] <= 0:
            raise ValueError(f"RandomErasing: scale must lie in [0, 1] and ratio be positive, "
                             f"got scale={scale}, ratio={ratio}")
        if isinstance(value, str):
            if value != "random":
                raise ValueError(f"RandomErasing: value must be a number, a sequence of "
                                 f"numbers or 'random', got {value!r}")
        else:
            value = np.atleast_1d(np.asarray(value, dtype=np.float64))
            if value.ndim != 1:
                raise ValueError(f"RandomErasing: value must be a number or one number a "
                                 f"channel, got shape {value.shape}")
        self.value = value
        self.generator = generator

    def __call__(self, x):
        a, was_tensor = _as_array(x)
        if a.ndim < 3:
            raise ValueError(f"RandomErasing: expected a CHW image, got shape {a.shape}")
        c, height, width = a.shape[-3:]
        random = isinstance(self.value, str)
        if random and a.dtype.kind != "f":
            raise ValueError(f"RandomErasing: value='random' fills with normal noise, which "
                             f"needs a float image, got {a.dtype}")
        if not random and self.value.size not in (1, c):
            raise ValueError(f"RandomErasing: {c} channels but value has {self.value.size} "
                             f"numbers")
        rng = get_generator(self.generator)
        if rng.random() >= self.p:
            return x
        area = height * width
        for _ in range(10):
            target = area * rng.uniform(*self.scale)
            aspect = _log_uniform(rng, *self.ratio)
            h = int(round(math.sqrt(target * aspect)))
            w = int(round(math.sqrt(target / aspect)))
            if not (h < height and w < width):
                continue
            fill = rng.standard_normal((c, h, w)) if random else self.value[:, None, None]
            i, j = int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1))
            out = a.copy()
            out[..., i:i + h, j:j + w] = fill
            return _wrap(out, was_tensor)
        return x

    def __repr__(self) -> str:
        value = self.value if isinstance(self.value, str) else self.value.tolist()
        return f"RandomErasing(p={self.p}, scale={self.scale}, ratio={self.ratio}, value={value})"
