"""ResNets against PyTorch twins written here with torchvision's names and structure (the
ImageNet ResNet-18 and the paper's CIFAR ResNet-20 with option A and B shortcuts): state-dict
keys and shapes, outputs, input and parameter gradients and BatchNorm's running statistics in
train and eval mode (float64); the published parameter counts; errors for bad inputs."""
import numpy as np
import pytest
import torch
from torch import nn

import wonderland as wl
import wonderland.nn.functional as F
from wonderland import models
from wonderland.models import resnet


class TBasic(nn.Module):
    expansion = 1

    def __init__(self, cin, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(out + (x if self.downsample is None else self.downsample(x)))


class TBottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = downsample

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn3(self.conv3(torch.relu(self.bn2(self.conv2(out)))))
        return torch.relu(out + (x if self.downsample is None else self.downsample(x)))


class OptionA(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.stride, self.before = stride, (cout - cin) // 2
        self.after = cout - cin - self.before

    def forward(self, x):
        x = x[:, :, ::self.stride, ::self.stride]
        return nn.functional.pad(x, (0, 0, 0, 0, self.before, self.after))


def _stage(block, cin, planes, n, stride, shortcut="B"):
    out = planes * block.expansion
    down = None
    if stride != 1 or cin != out:
        down = (OptionA(cin, out, stride) if shortcut == "A" else
                nn.Sequential(nn.Conv2d(cin, out, 1, stride, bias=False), nn.BatchNorm2d(out)))
    rest = [block(out, planes) for _ in range(n - 1)]
    return nn.Sequential(block(cin, planes, stride, down), *rest)


class TResNet(nn.Module):
    """torchvision.models.resnet.ResNet's layout and names."""

    def __init__(self, block, layers, num_classes=1000, in_channels=3):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        e = block.expansion
        self.layer1 = _stage(block, 64, 64, layers[0], 1)
        self.layer2 = _stage(block, 64 * e, 128, layers[1], 2)
        self.layer3 = _stage(block, 128 * e, 256, layers[2], 2)
        self.layer4 = _stage(block, 256 * e, 512, layers[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512 * e, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


class TCifarResNet(nn.Module):
    def __init__(self, n=3, num_classes=10, in_channels=3, shortcut="A", widths=(16, 32, 64),
                 stem_pool=False):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.pool = nn.MaxPool2d(2) if stem_pool else nn.Identity()
        self.layer1 = _stage(TBasic, widths[0], widths[0], n, 1, shortcut)
        self.layer2 = _stage(TBasic, widths[0], widths[1], n, 2, shortcut)
        self.layer3 = _stage(TBasic, widths[1], widths[2], n, 2, shortcut)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(widths[2], num_classes)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(self.avgpool(x).flatten(1))


def _shapes(state):
    return [(k, tuple(v.shape)) for k, v in state.items()]


def _pair(model, twin):
    """Twin's random weights and (non-trivial) running statistics loaded into the model."""
    twin = twin.double()
    with torch.no_grad():
        for name, buf in twin.named_buffers():
            if "running_mean" in name:
                buf.normal_(0, 0.1)
            elif "running_var" in name:
                buf.uniform_(0.5, 1.5)
    assert _shapes(model.state_dict()) == _shapes(twin.state_dict())
    model.to(dtype=wl.float64)  # first: loading casts to the model's dtype
    model.load_state_dict({k: wl.tensor(v.numpy().copy()) for k, v in twin.state_dict().items()})
    return model, twin


def _close(actual, desired, name=""):
    """Equal to 1e-9 of the array's largest magnitude: BatchNorm's backward sums terms that
    cancel, so small entries of a float64 gradient carry rounding of the large ones."""
    desired = desired.detach().numpy()
    scale = max(np.abs(desired).max(), 1e-30)
    err = np.abs(actual.detach().numpy() - desired).max()
    assert err <= 1e-9 * scale, f"{name}: max error {err:.3g} at scale {scale:.3g}"


def _compare(model, twin, shape, train):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    y = rng.integers(0, 10, shape[0])
    model.train(train), twin.train(train)
    xw, xt = wl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = model(xw), twin(xt)
    _close(out, ref, "output")
    F.cross_entropy(out, wl.tensor(y)).backward()
    nn.functional.cross_entropy(ref, torch.from_numpy(y)).backward()
    _close(xw.grad, xt.grad, "input gradient")
    ref_params = dict(twin.named_parameters())
    names = [n for n, _ in model.named_parameters()]
    assert names == list(ref_params)
    for name, p in model.named_parameters():
        _close(p.grad, ref_params[name].grad, name)
    ref_state = twin.state_dict()
    for name, v in model.state_dict().items():  # running statistics moved alike (train mode)
        _close(v, ref_state[name], name)


@pytest.mark.parametrize("train", [True, False])
def test_resnet18_matches_torchvision_layout(train):
    torch.manual_seed(0)
    model, twin = _pair(models.resnet18(num_classes=10), TResNet(TBasic, [2, 2, 2, 2], 10))
    _compare(model, twin, (2, 3, 32, 32), train)


@pytest.mark.parametrize("shortcut, train", [("A", True), ("A", False), ("B", True)])
def test_resnet20_matches_twin(shortcut, train):
    torch.manual_seed(1)
    model, twin = _pair(models.resnet20(shortcut=shortcut), TCifarResNet(3, shortcut=shortcut))
    _compare(model, twin, (3, 3, 16, 16), train)


@pytest.mark.parametrize("train", [True, False])
def test_fashion_resnet_with_a_pooled_stem_matches_twin(train):
    """The fashion_resnet recipe's shape: one block a stage, wider, stages at 14, 7, 4."""
    torch.manual_seed(2)
    kw = {"shortcut": "B", "widths": (8, 16, 32), "stem_pool": True}
    model, twin = _pair(resnet.CifarResNet(1, 10, 1, **kw), TCifarResNet(1, 10, 1, **kw))
    _compare(model, twin, (4, 1, 28, 28), train)


def test_small_input_resnet_on_fashion_sized_images():
    torch.manual_seed(2)
    model = models.resnet18(num_classes=10, in_channels=1, small_input=True)
    twin = TResNet(TBasic, [2, 2, 2, 2], 10, in_channels=1)
    twin.conv1 = nn.Conv2d(1, 64, 3, 1, 1, bias=False)  # the 3x3/1 stem, no max-pool
    twin.maxpool = nn.Identity()
    model, twin = _pair(model, twin)
    _compare(model, twin, (2, 1, 12, 12), True)


def test_bottleneck_resnet_matches_twin():
    torch.manual_seed(3)
    model = resnet.ResNet(resnet.Bottleneck, [1, 1, 1, 1], num_classes=10)
    model, twin = _pair(model, TResNet(TBottleneck, [1, 1, 1, 1], 10))
    _compare(model, twin, (2, 3, 16, 16), True)


def test_state_dicts_equal_torchvisions_for_imagenet_sizes():
    for ours, block, layers in [(models.resnet18, TBasic, [2, 2, 2, 2]),
                                (models.resnet50, TBottleneck, [3, 4, 6, 3])]:
        assert _shapes(ours().state_dict()) == _shapes(TResNet(block, layers).state_dict())


@pytest.mark.parametrize("make, count", [
    (models.resnet20, 269_722),   # "0.27M" in He et al., Table 6
    (models.resnet32, 464_154),   # "0.46M"
    (models.resnet18, 11_689_512),  # torchvision's resnet18
    (models.resnet34, 21_797_672),
    (models.resnet50, 25_557_032),
])
def test_parameter_counts(make, count):
    assert make().num_parameters() == count


def test_counts_agree_with_the_twins():
    assert models.resnet20().num_parameters() == sum(p.numel() for p in TCifarResNet().parameters())
    b = sum(p.numel() for p in TCifarResNet(shortcut="B").parameters())
    assert models.resnet20(shortcut="B").num_parameters() == b == 269_722 + 2_752


def test_init_and_zero_init_residual():
    model = models.resnet20(zero_init_residual=True)
    assert all(float(abs(b.bn2.weight).sum().item()) == 0 for b in model.layer1)
    w = models.resnet20().layer2[0].conv1.weight.detach().numpy()  # He normal, fan_out = 32 * 9
    assert abs(w.std() - np.sqrt(2 / (32 * 9))) < 0.1 * np.sqrt(2 / (32 * 9))


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match=r"CifarResNet: expected images \(N, 3, H, W\), got "
                                         r"shape \(2, 1, 32, 32\)"):
        models.resnet20()(wl.zeros(2, 1, 32, 32))
    with pytest.raises(ValueError, match=r"ResNet: expected images \(N, 1, H, W\)"):
        models.resnet18(in_channels=1)(wl.zeros(1, 28, 28))
    with pytest.raises(ValueError, match="shortcut must be 'A'"):
        models.resnet20(shortcut="C")
    with pytest.raises(ValueError, match="four positive block counts"):
        resnet.ResNet(resnet.BasicBlock, [2, 2, 2])


def test_cifar10_recipe_follows_the_paper(cifar10_root):
    from wonderland.recipes import get
    from wonderland.train.run import build

    recipe = get("cifar10_resnet20")
    assert recipe.published == {"test_accuracy": 0.9125,
                                "source": "He et al. 2016, Table 6 (ResNet-20)"}
    cfg = recipe.configure({"data_root": cifar10_root, "download": False, "val_size": 5,
                            "milestones": [2, 4]})
    assert (cfg["steps"], cfg["batch_size"], cfg["lr"], cfg["momentum"], cfg["weight_decay"]) \
        == (64_000, 128, 0.1, 0.9, 1e-4)
    assert recipe.defaults()["milestones"] == [32_000, 48_000]
    model, (train, val, test) = build(recipe, cfg)
    assert model.num_parameters() == 269_722 and model.shortcut == "A"
    assert (len(train), len(val), len(test)) == (15, 5, 6)
    opt = recipe.optimizer(cfg, model.parameters())
    sched = recipe.scheduler(cfg, opt)
    lrs = []
    for _ in range(5):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step(), sched.step()
    np.testing.assert_allclose(lrs, [0.1, 0.1, 0.01, 0.01, 0.001])
    # validation images are only normalised; training images are cropped and flipped at random
    from wonderland.data.datasets import CIFAR10

    raw, _ = CIFAR10(cifar10_root, train=True, download=False)[val.indices[0]]
    mean, std = np.array([0.4914, 0.4822, 0.4465]), np.array([0.2470, 0.2435, 0.2616])
    want = (raw.transpose(2, 0, 1) / 255.0 - mean[:, None, None]) / std[:, None, None]
    np.testing.assert_allclose(val[0][0].numpy(), want, rtol=1e-5, atol=1e-5)
    draws = {train[0][0].numpy().tobytes() for _ in range(8)}
    assert len(draws) > 1 and train[0][0].shape == (3, 32, 32)
