"""Fashion-MNIST (Zalando, 70,000 28x28 grey images of 10 clothing classes) from its IDX files:
Debian's /usr/share/datasets/fashion-mnist when installed, otherwise downloaded and checked."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ._arrays import ArrayDataset
from .download import cache_dir, download_and_verify
from .idx import read_idx


class FashionMNIST(ArrayDataset):
    """x is a uint8 (28, 28) image (pass transform=ToTensor() for a float32 (1, 28, 28) tensor),
    y an int64 class in 0..9 (names in `classes`). Files are looked for in `root`, plain or
    gzipped; when root is None, in the system folder and then the cache. Missing files are
    downloaded from `mirror` into root (or the cache) unless download=False."""

    mirror = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    system_dir = "/usr/share/datasets/fashion-mnist"
    cache_name = "fashion-mnist"
    files = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
    md5 = {  # the MD5s Zalando publishes for its .gz files (it lists no SHA-256)
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = True):
        self.train = train
        names = self.files["train" if train else "test"]
        paths = [self._find(name, root, download) for name in names]
        images, labels = read_idx(paths[0]), read_idx(paths[1])
        if images.ndim != 3 or labels.ndim != 1 or images.dtype != np.uint8:
            raise ValueError(f"{type(self).__name__}: expected uint8 images (n, h, w) and labels "
                             f"(n,), got {images.dtype} {images.shape} and {labels.shape}")
        super().__init__(images, labels.astype(np.int64), transform, target_transform)

    def _find(self, name: str, root, download: bool) -> Path:
        """The path of `name` (plain or .gz) in the first folder holding it, else a download."""
        folders = [Path(root).expanduser()] if root is not None else [
            Path(self.system_dir), cache_dir() / self.cache_name]
        for folder in folders:
            for candidate in (folder / name, folder / f"{name}.gz"):
                if candidate.is_file():
                    return candidate
        target = folders[-1] / f"{name}.gz"
        if not download:
            raise FileNotFoundError(f"{type(self).__name__}: {name}(.gz) not found in "
                                    f"{', '.join(map(str, folders))} and download=False")
        return download_and_verify(self.mirror + f"{name}.gz", target.absolute(),
                                   md5=self.md5.get(f"{name}.gz"))
