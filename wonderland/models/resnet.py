"""Residual networks (He et al., Deep Residual Learning for Image Recognition, CVPR 2016) under
torchvision's parameter names, so state dicts move between the two unchanged: the ImageNet
ResNet-18/34/50 (BasicBlock and Bottleneck) and the paper's CIFAR ResNet-6n+2 (section 4.2:
16/32/64 channels, n blocks a stage, parameter-free option A shortcuts or option B projections)."""
from __future__ import annotations

from collections.abc import Sequence

from ..core.tensor import Tensor
from ..nn import (
    AdaptiveAvgPool2d,
    BatchNorm2d,
    Conv2d,
    Identity,
    Linear,
    MaxPool2d,
    Module,
    Sequential,
    init,
)
from ..ops import pad

__all__ = ["BasicBlock", "Bottleneck", "CifarResNet", "PadShortcut", "ResNet", "resnet18",
           "resnet20", "resnet32", "resnet34", "resnet50"]


def _conv3x3(cin: int, cout: int, stride: int = 1) -> Conv2d:
    return Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


def _conv1x1(cin: int, cout: int, stride: int = 1) -> Conv2d:
    return Conv2d(cin, cout, 1, stride=stride, bias=False)


class PadShortcut(Module):
    """Option A's identity shortcut: keep every `stride`-th pixel and append zero channels up to
    `out_channels`, half of the new ones before the input's and half after (as the widely used
    CIFAR port github.com/akamaster/pytorch_resnet_cifar10 does, so its weights behave the same
    here). No parameters."""

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        if out_channels < in_channels:
            raise ValueError(f"PadShortcut: cannot pad {in_channels} channels down to "
                             f"{out_channels}")
        self.stride = stride
        self.before = (out_channels - in_channels) // 2
        self.after = out_channels - in_channels - self.before

    def forward(self, x: Tensor) -> Tensor:
        if self.stride > 1:
            x = x[:, :, ::self.stride, ::self.stride]
        return pad(x, (0, 0, 0, 0, self.before, self.after))


class BasicBlock(Module):
    """Two 3x3 conv + BN layers (the first strided) and a shortcut: relu(F(x) + shortcut(x)).
    `downsample` is the shortcut when the shape changes (None: the identity)."""

    expansion = 1

    def __init__(self, in_planes: int, planes: int, stride: int = 1,
                 downsample: Module | None = None) -> None:
        super().__init__()
        self.conv1 = _conv3x3(in_planes, planes, stride)
        self.bn1 = BatchNorm2d(planes)
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        out = self.bn1(self.conv1(x)).relu()
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return (out + shortcut).relu()


class Bottleneck(Module):
    """1x1 (reduce) -> 3x3 (strided, as torchvision's "ResNet v1.5") -> 1x1 (expand x4) conv + BN
    layers and a shortcut: relu(F(x) + shortcut(x))."""

    expansion = 4

    def __init__(self, in_planes: int, planes: int, stride: int = 1,
                 downsample: Module | None = None) -> None:
        super().__init__()
        self.conv1 = _conv1x1(in_planes, planes)
        self.bn1 = BatchNorm2d(planes)
        self.conv2 = _conv3x3(planes, planes, stride)
        self.bn2 = BatchNorm2d(planes)
        self.conv3 = _conv1x1(planes, planes * self.expansion)
        self.bn3 = BatchNorm2d(planes * self.expansion)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        out = self.bn1(self.conv1(x)).relu()
        out = self.bn2(self.conv2(out)).relu()
        out = self.bn3(self.conv3(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return (out + shortcut).relu()


def _init(model: Module, zero_init_residual: bool) -> None:
    """He initialisation (normal, fan_out) of the convolutions as torchvision does; BN scales 1
    and shifts 0, or the last BN of each block scaled 0 so each block starts as its shortcut."""
    for m in model.modules():
        if isinstance(m, Conv2d):
            init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, BatchNorm2d):
            init.ones_(m.weight)
            init.zeros_(m.bias)
    if zero_init_residual:
        for m in model.modules():
            if isinstance(m, (BasicBlock, Bottleneck)):
                init.zeros_(m.bn3.weight if isinstance(m, Bottleneck) else m.bn2.weight)


def _check_input(model: Module, x: Tensor) -> None:
    if x.ndim != 4 or x.shape[1] != model.in_channels:
        raise ValueError(f"{type(model).__name__}: expected images (N, {model.in_channels}, H, "
                         f"W), got shape {tuple(x.shape)}")


class ResNet(Module):
    """torchvision's ImageNet ResNet: conv1 7x7/2 + bn1 + ReLU + 3x3/2 max-pool, layer1..4 of
    `layers[i]` blocks (64, 128, 256, 512 planes; stride 2 from layer2 on, 1x1 conv + BN
    `downsample` projections where the shape changes), global average pool, fc.
    small_input=True makes the stem a 3x3/1 conv with no max-pool (for 28x28 or 32x32 images);
    the parameter names stay torchvision's either way."""

    def __init__(self, block: type[BasicBlock] | type[Bottleneck], layers: Sequence[int],
                 num_classes: int = 1000, in_channels: int = 3, small_input: bool = False,
                 zero_init_residual: bool = False) -> None:
        super().__init__()
        if len(layers) != 4 or min(layers) < 1:
            raise ValueError(f"ResNet: layers must be four positive block counts, got {layers}")
        self.in_channels = in_channels
        self.small_input = small_input
        self.conv1 = (_conv3x3(in_channels, 64) if small_input
                      else Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False))
        self.bn1 = BatchNorm2d(64)
        self.maxpool = Identity() if small_input else MaxPool2d(3, stride=2, padding=1)
        self._planes = 64
        self.layer1 = self._stage(block, 64, layers[0], 1)
        self.layer2 = self._stage(block, 128, layers[1], 2)
        self.layer3 = self._stage(block, 256, layers[2], 2)
        self.layer4 = self._stage(block, 512, layers[3], 2)
        self.avgpool = AdaptiveAvgPool2d(1)
        self.fc = Linear(512 * block.expansion, num_classes)
        _init(self, zero_init_residual)

    def _stage(self, block, planes: int, blocks: int, stride: int) -> Sequential:
        out = planes * block.expansion
        downsample = None
        if stride != 1 or self._planes != out:
            downsample = Sequential(_conv1x1(self._planes, out, stride), BatchNorm2d(out))
        stage = [block(self._planes, planes, stride, downsample)]
        self._planes = out
        stage += [block(out, planes) for _ in range(blocks - 1)]
        return Sequential(*stage)

    def forward(self, x: Tensor) -> Tensor:
        _check_input(self, x)
        x = self.maxpool(self.bn1(self.conv1(x)).relu())
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


class CifarResNet(Module):
    """The paper's CIFAR-10 network, 6n+2 layers: a 3x3 conv (16 channels) + BN + ReLU, three
    stages (layer1..3) of n BasicBlocks at `widths` channels (16, 32, 64; strides 1, 2, 2), global
    average pool, fc. shortcut="A" (the paper's choice for CIFAR) pads zero channels onto a
    subsampled identity, parameter-free; "B" projects with a 1x1 conv + BN where the shape
    changes. Images of any size from 8x8 up (28x28 Fashion-MNIST: 28, 14, 7). stem_pool=True
    puts a 2x2 max-pool after the stem, so the stages run at half the resolution (a quarter of
    the work: 28x28 images at 14, 7, 4)."""

    def __init__(self, n: int = 3, num_classes: int = 10, in_channels: int = 3,
                 shortcut: str = "A", widths: Sequence[int] = (16, 32, 64),
                 zero_init_residual: bool = False, stem_pool: bool = False) -> None:
        super().__init__()
        if shortcut not in ("A", "B"):
            raise ValueError(f"CifarResNet: shortcut must be 'A' (zero-padded identity) or 'B' "
                             f"(1x1 conv projection), got {shortcut!r}")
        if n < 1 or len(widths) != 3:
            raise ValueError(f"CifarResNet: need n >= 1 and three widths, got n={n}, "
                             f"widths={widths}")
        self.in_channels = in_channels
        self.shortcut = shortcut
        self.conv1 = _conv3x3(in_channels, widths[0])
        self.bn1 = BatchNorm2d(widths[0])
        self.pool = MaxPool2d(2) if stem_pool else Identity()
        self._planes = widths[0]
        self.layer1 = self._stage(widths[0], n, 1)
        self.layer2 = self._stage(widths[1], n, 2)
        self.layer3 = self._stage(widths[2], n, 2)
        self.avgpool = AdaptiveAvgPool2d(1)
        self.fc = Linear(widths[2], num_classes)
        _init(self, zero_init_residual)

    def _stage(self, planes: int, blocks: int, stride: int) -> Sequential:
        downsample = None
        if stride != 1 or self._planes != planes:
            downsample = (PadShortcut(self._planes, planes, stride) if self.shortcut == "A" else
                          Sequential(_conv1x1(self._planes, planes, stride), BatchNorm2d(planes)))
        stage = [BasicBlock(self._planes, planes, stride, downsample)]
        self._planes = planes
        stage += [BasicBlock(planes, planes) for _ in range(blocks - 1)]
        return Sequential(*stage)

    def forward(self, x: Tensor) -> Tensor:
        _check_input(self, x)
        x = self.pool(self.bn1(self.conv1(x)).relu())
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(self.avgpool(x).flatten(1))


def resnet18(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> ResNet:
    """ResNet-18: BasicBlocks [2, 2, 2, 2]; 11,689,512 parameters for 1000 classes."""
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes, in_channels, **kwargs)


def resnet34(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> ResNet:
    """ResNet-34: BasicBlocks [3, 4, 6, 3]; 21,797,672 parameters for 1000 classes."""
    return ResNet(BasicBlock, [3, 4, 6, 3], num_classes, in_channels, **kwargs)


def resnet50(num_classes: int = 1000, in_channels: int = 3, **kwargs) -> ResNet:
    """ResNet-50: Bottlenecks [3, 4, 6, 3]; 25,557,032 parameters for 1000 classes."""
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes, in_channels, **kwargs)


def resnet20(num_classes: int = 10, in_channels: int = 3, **kwargs) -> CifarResNet:
    """The paper's CIFAR ResNet-20 (n=3): 0.27M parameters (269,722 with option A, 10 classes)."""
    return CifarResNet(3, num_classes, in_channels, **kwargs)


def resnet32(num_classes: int = 10, in_channels: int = 3, **kwargs) -> CifarResNet:
    """The paper's CIFAR ResNet-32 (n=5): 0.46M parameters (464,154 with option A, 10 classes)."""
    return CifarResNet(5, num_classes, in_channels, **kwargs)
