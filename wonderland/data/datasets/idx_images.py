"""The shared loader of MNIST-style image sets: four IDX files (train/t10k images and labels),
found in a folder, plain or gzipped, or downloaded from a mirror and checked against MD5s."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ._arrays import ArrayDataset
from .download import cache_dir, download_or_explain
from .idx import read_idx


class IdxImageDataset(ArrayDataset):
    """x is a uint8 (h, w) image (pass transform=ToTensor() for a float32 (1, h, w) tensor), y an
    int64 class index (names in `classes`). Files are looked for in `root`, plain or gzipped;
    when root is None, in `system_dir` (if the subclass has one) and then
    cache_dir()/cache_name. Missing files are downloaded from `mirror` into root (or the cache)
    and checked against `md5` unless download=False; when that fails (offline), the error says
    in one line how to get the files.

    Subclasses set only the class attributes below."""

    mirror: str = ""                   # URL prefix ending in "/" that holds the .gz files
    system_dir: str | None = None      # a distribution's install folder, looked in first
    system_package: str | None = None  # the package that installs it (apt-get install ...)
    cache_name: str = ""               # sub-folder of cache_dir() for downloads
    files = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
    md5: dict[str, str] = {}           # published MD5 of each .gz file
    classes: list[str] = []

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

    def _folders(self, root: str | os.PathLike | None) -> list[Path]:
        """Where the files are looked for, in order; downloads go to the last one."""
        if root is not None:
            return [Path(root).expanduser()]
        system = [Path(self.system_dir)] if self.system_dir else []
        return [*system, cache_dir() / self.cache_name]

    def _find(self, name: str, root: str | os.PathLike | None, download: bool) -> Path:
        """The path of `name` (plain or .gz) in the first folder holding it, else a download."""
        folders = self._folders(root)
        for folder in folders:
            for candidate in (folder / name, folder / f"{name}.gz"):
                if candidate.is_file():
                    return candidate
        if not download:
            raise FileNotFoundError(f"{type(self).__name__}: {name}(.gz) not found in "
                                    f"{', '.join(map(str, folders))} and download=False")
        target = (folders[-1] / f"{name}.gz").absolute()
        url = self.mirror + f"{name}.gz"
        return download_or_explain(type(self).__name__, f"{name}(.gz)",
                                   ", ".join(map(str, folders)), self._how_to_get(folders[-1]),
                                   url, target, md5=self.md5.get(f"{name}.gz"))

    def _how_to_get(self, folder: Path) -> str:
        """How to get the files: the system package, or a download into `folder` online."""
        online = f"run once online to download them into {folder}"
        if self.system_package is None:
            return online[0].upper() + online[1:]
        return (f"install them with `apt-get install {self.system_package}` (into "
                f"{self.system_dir}, where they are found when data_root is not set), or "
                f"{online}")
