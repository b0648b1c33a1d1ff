"""Image and array transforms for datasets: Compose, ToTensor, Normalize, RandomCrop,
RandomHorizontalFlip and Lambda. Each is a callable object; random ones take a `generator=`."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..core.random import Generator, get_generator
from ..core.tensor import Tensor
from ..ops.creation import tensor as _tensor


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
