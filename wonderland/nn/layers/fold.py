"""Fold and Unfold (col2im / im2col) over wonderland.functional.fold."""
from __future__ import annotations

from ...core.tensor import Tensor
from ...functional.fold import fold, unfold
from ..module import Module

__all__ = ["Fold", "Unfold"]

Size = int | tuple[int, ...]


class Fold(Module):
    """(N, C kh kw, L) -> (N, C, *output_size): sliding blocks summed back into place."""

    def __init__(self, output_size: Size, kernel_size: Size, dilation: Size = 1,
                 padding: Size = 0, stride: Size = 1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                    self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")


class Unfold(Module):
    """(N, C, H, W) -> (N, C kh kw, L): every sliding block as a column (im2col)."""

    def __init__(self, kernel_size: Size, dilation: Size = 1, padding: Size = 0,
                 stride: Size = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = (kernel_size, dilation,
                                                                      padding, stride)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
