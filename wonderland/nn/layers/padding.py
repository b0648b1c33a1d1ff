"""Padding layers over F.pad: ReflectionPad, ReplicationPad, ZeroPad and ConstantPad in 1, 2
and 3 dimensions. `padding` is an int (every side) or 2 nd ints in F.pad's order (last
dimension first: left, right, top, bottom, front, back)."""
from __future__ import annotations

from ...core.tensor import Tensor
from ...ops import pad
from ..module import Module

__all__ = ["ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
           "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
           "ConstantPad1d", "ConstantPad2d", "ConstantPad3d"]


class _PadNd(Module):
    """Shared: padding as 2 nd ints, the mode, the rank check of the non-constant modes."""

    nd: int
    mode: str

    def __init__(self, padding: int | tuple[int, ...]) -> None:
        super().__init__()
        name, n = type(self).__name__, 2 * self.nd
        amounts = (padding,) * n if isinstance(padding, int) else tuple(padding)
        if len(amounts) != n or not all(isinstance(p, int) for p in amounts):
            raise ValueError(f"{name}: padding must be an int or {n} ints, got {padding!r}")
        self.padding = amounts

    def _value(self) -> float | None:
        return None  # the non-constant modes take none

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        nd = self.nd
        # as PyTorch: the non-constant modes take (C, *spatial) or (N, C, *spatial) only
        low = nd + 1 if self.mode != "constant" else nd
        high = nd + 2 if self.mode != "constant" else None
        if input.ndim < low or (high is not None and input.ndim > high):
            want = f"{nd + 1}-D or {nd + 2}-D" if high else f"at least {nd}-D"
            raise ValueError(f"{type(self).__name__}{self.padding}: expected a {want} input, "
                             f"got shape {input.shape}")
        return pad(input, self.padding, mode=self.mode, value=self._value())

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    mode = "constant"

    def __init__(self, padding: int | tuple[int, ...], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def _value(self) -> float:
        return self.value

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding: int | tuple[int, ...]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pad the last dimension of (N, C, W) or (C, W) with its reflection (edge not repeated)."""

    nd, mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last 2 dimensions of (N, C, H, W) or (C, H, W) with their reflection."""

    nd, mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Pad the last 3 dimensions of (N, C, D, H, W) or (C, D, H, W) with their reflection."""

    nd, mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last dimension of (N, C, W) or (C, W) by repeating its edge values."""

    nd, mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last 2 dimensions of (N, C, H, W) or (C, H, W) by repeating the edges."""

    nd, mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Pad the last 3 dimensions of (N, C, D, H, W) or (C, D, H, W) by repeating the edges."""

    nd, mode = 3, "replicate"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dimension with zeros (negative amounts crop)."""

    nd = 1


class ZeroPad2d(_ZeroPadNd):
    """Pad the last 2 dimensions with zeros (negative amounts crop)."""

    nd = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last 3 dimensions with zeros (negative amounts crop)."""

    nd = 3


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dimension with `value` (negative amounts crop)."""

    nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 dimensions with `value` (negative amounts crop)."""

    nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 dimensions with `value` (negative amounts crop)."""

    nd = 3
