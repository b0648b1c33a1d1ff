"""CIFAR-10 ResNet-20 as He et al. (2016, section 4.2) trained it: option A shortcuts (269,722
parameters), SGD with momentum 0.9, lr 0.1 divided by 10 at 32k and 48k iterations, weight decay
1e-4, batches of 128, 64k iterations on all 50,000 training images; augmentation: 4-pixel zero
padding with a random 32x32 crop, and a random horizontal flip; per-channel normalisation."""
from __future__ import annotations

from typing import Any

from ..core.random import Generator
from ..data import Subset, random_split
from ..data.datasets import CIFAR10
from ..data.transforms import Compose, Normalize, RandomCrop, RandomHorizontalFlip, ToTensor
from ..models import resnet20
from ..optim import SGD
from ..optim.lr_scheduler import MultiStepLR
from ..train.recipe import Recipe

# the per-channel mean and standard deviation of the 50,000 training images' pixels in [0, 1]
CIFAR10_MEAN, CIFAR10_STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)

# The paper's schedule, chosen on a 45k/5k split and then run on all 50k (val_size 5000 holds
# that split out again). About 164 epochs of 391 batches.
CONFIG: dict[str, Any] = {
    "steps": 64_000, "batch_size": 128, "lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4,
    "milestones": [32_000, 48_000], "gamma": 0.1, "shortcut": "A", "seed": 0,
    "eval_every": 2000, "checkpoint_every": 2000, "log_every": 100, "val_size": 0,
    "data_root": None, "download": True,
}


def splits(cfg: dict) -> tuple:
    """(train with augmentation, val or None, test) of CIFAR-10 as normalised float32
    (3, 32, 32) images; val_size held-out training images are seen without augmentation."""
    # as torchvision's usual CIFAR pipeline: crop and flip the [0, 1] CHW image (the padding
    # black), then normalise
    augment = Compose([ToTensor(), RandomCrop(32, padding=4), RandomHorizontalFlip(),
                       Normalize(CIFAR10_MEAN, CIFAR10_STD)])
    plain = Compose([ToTensor(), Normalize(CIFAR10_MEAN, CIFAR10_STD)])

    def load(train: bool, transform) -> CIFAR10:
        return CIFAR10(cfg["data_root"], train=train, transform=transform,
                       download=cfg["download"])

    train = load(True, augment)
    n_val = cfg["val_size"]
    if not n_val:
        return train, None, load(False, plain)
    if not 0 < n_val < len(train):
        raise ValueError(f"val_size must be in [0, {len(train)}), got {n_val}")
    rest, val = random_split(train, [len(train) - n_val, n_val], generator=Generator(cfg["seed"]))
    return rest, Subset(load(True, plain), val.indices), load(False, plain)


def sgd(cfg: dict, params) -> SGD:
    """SGD with cfg's lr, momentum and (L2, on every parameter) weight_decay."""
    return SGD(params, lr=cfg["lr"], momentum=cfg["momentum"], weight_decay=cfg["weight_decay"])


recipe = Recipe(
    name="cifar10_resnet20",
    description="CIFAR-10, ResNet-20 with option A shortcuts (269,722 parameters), SGD momentum "
                "0.9, lr 0.1 / 10 at 32k and 48k, weight decay 1e-4, 64k steps of 128, crop + "
                "flip augmentation",
    config=CONFIG,
    data=splits,
    model=lambda cfg: resnet20(10, 3, shortcut=cfg["shortcut"]),
    optimizer=sgd,
    # stepped once per training step: the milestones count iterations, as in the paper
    scheduler=lambda cfg, opt: MultiStepLR(opt, cfg["milestones"], gamma=cfg["gamma"]),
    published={"test_accuracy": 0.9125, "source": "He et al. 2016, Table 6 (ResNet-20)"},
)
