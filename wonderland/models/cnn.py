"""Small convolutional classifiers. ConvNet1d is MNIST-1D's CNN (Greydanus & Kobak 2020,
notebooks/models.py of github.com/greydanus/mnist1d): three stride-2 Conv1d+ReLU and a Linear,
5,210 parameters. ConvNet2d is Keras' "simple MNIST convnet" (keras.io/examples/vision/
mnist_convnet): two Conv2d(3x3)+ReLU+MaxPool2d(2), dropout and a Linear, 34,826 parameters."""
from __future__ import annotations

from collections.abc import Sequence

from ..core.tensor import Tensor
from ..nn import Conv1d, Conv2d, Dropout, Identity, Linear, MaxPool2d, Module, ModuleList

__all__ = ["ConvNet1d", "ConvNet2d"]


class ConvNet1d(Module):
    """x (N, L) or (N, 1, L) -> Conv1d(1, c, 5, stride 2, pad 1) -> Conv1d(c, c, 3, 2, 1) twice,
    each followed by ReLU -> flatten (c * L') -> Linear -> class scores. No pooling: the strides
    shrink L = 40 to 19, 10, 5."""

    def __init__(self, in_length: int = 40, channels: int = 25, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = Conv1d(1, channels, 5, stride=2, padding=1)
        self.conv2 = Conv1d(channels, channels, 3, stride=2, padding=1)
        self.conv3 = Conv1d(channels, channels, 3, stride=2, padding=1)
        length = in_length
        for k in (5, 3, 3):  # out = floor((L + 2 * pad - k) / stride) + 1
            length = (length + 2 - k) // 2 + 1
        self.linear = Linear(channels * length, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim == 2:  # MNIST-1D examples are plain (N, 40) vectors: one input channel
            x = x.unsqueeze(1)
        h = self.conv1(x).relu()
        h = self.conv2(h).relu()
        h = self.conv3(h).relu()
        return self.linear(h.flatten(1))


class ConvNet2d(Module):
    """x (N, C, H, W) -> [Conv2d(3x3, no padding) -> ReLU -> MaxPool2d(2)] per entry of
    `channels` -> flatten -> Dropout -> (Linear -> ReLU -> Dropout, if hidden) -> Linear.
    For 28x28 images: 28 -> 26 -> 13 -> 11 -> 5, so 64 * 5 * 5 = 1600 features."""

    def __init__(self, in_channels: int = 1, image_size: int = 28,
                 channels: Sequence[int] = (32, 64), hidden: int | None = None,
                 num_classes: int = 10, dropout: float = 0.5) -> None:
        super().__init__()
        widths = [in_channels, *channels]
        self.convs = ModuleList([Conv2d(a, b, 3) for a, b in zip(widths[:-1], widths[1:])])
        self.pool = MaxPool2d(2)
        size = image_size
        for _ in channels:
            size = (size - 2) // 2  # a valid 3x3 conv loses 2, the pool halves (floor)
        if size < 1:
            raise ValueError(f"ConvNet2d: {len(channels)} conv+pool stages leave nothing of a "
                             f"{image_size}x{image_size} image")
        features = widths[-1] * size * size
        self.dropout = Dropout(dropout) if dropout else Identity()
        self.fc = Linear(features, hidden) if hidden else None
        self.head = Linear(hidden or features, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        for conv in self.convs:
            x = self.pool(conv(x).relu())
        h = self.dropout(x.flatten(1))
        if self.fc is not None:
            h = self.dropout(self.fc(h).relu())
        return self.head(h)
