"""CIFAR-10 (Krizhevsky, 2009: 60,000 32x32 colour images of 10 classes) from the binary version:
the tarball downloaded and MD5-checked into the cache, extracted safely, records read as bytes."""
from __future__ import annotations

import os
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path, PureWindowsPath

import numpy as np

from ._arrays import ArrayDataset
from .download import cache_dir, download_and_verify

_SIDE = 32
_RECORD = 1 + 3 * _SIDE * _SIDE  # a label byte, then 1024 R, 1024 G and 1024 B bytes


def read_cifar_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """One binary batch file: uint8 images (n, 32, 32, 3) in HWC order and int64 labels (n,).
    Raises ValueError when the size is not a whole number of 3073-byte records."""
    raw = Path(path).read_bytes()
    if len(raw) == 0 or len(raw) % _RECORD:
        raise ValueError(f"CIFAR10: {Path(path).name} has {len(raw)} bytes, expected a positive "
                         f"multiple of {_RECORD} (1 label byte + 3072 pixel bytes per image)")
    records = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _RECORD)
    images = records[:, 1:].reshape(-1, 3, _SIDE, _SIDE).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), records[:, 0].astype(np.int64)


def extract_tar_safely(archive: str | os.PathLike, dest: str | os.PathLike,
                       prefix: str = "") -> list[Path]:
    """Extract the regular files of a tar archive whose names start with `prefix` into `dest`,
    each written atomically; return their paths. Raises ValueError, before writing anything,
    when any member has an absolute path or a '..' component, or is a link."""
    dest = Path(dest)
    written = []
    with tarfile.open(archive, "r:*") as tar:
        members = tar.getmembers()
        for m in members:
            name = m.name.replace("\\", "/")
            if name.startswith("/") or PureWindowsPath(m.name).drive or ".." in name.split("/"):
                raise ValueError(f"refusing to extract {Path(archive).name}: member {m.name!r} "
                                 f"has an absolute path or a '..' component")
            if m.issym() or m.islnk():
                raise ValueError(f"refusing to extract {Path(archive).name}: member {m.name!r} "
                                 f"is a link (to {m.linkname!r})")
        for m in members:
            if not m.isfile() or not m.name.startswith(prefix):
                continue
            target = dest.joinpath(*m.name.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as out, tar.extractfile(m) as src:
                    for chunk in iter(lambda: src.read(1 << 20), b""):
                        out.write(chunk)
                os.replace(tmp, target)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
            written.append(target)
    return written


class CIFAR10(ArrayDataset):
    """CIFAR-10: 50,000 train images (data_batch_1..5 in order) and 10,000 test images; x is a
    uint8 (32, 32, 3) HWC image (transform=ToTensor() gives a float32 (3, 32, 32) tensor), y an
    int64 class in 0..9 (names in `classes`, from batches.meta.txt). The files are looked for in
    root/cifar-10-batches-bin (root defaults to cache_dir()/"cifar10"); when missing, the
    tarball is downloaded into root, checked against the published MD5 and extracted, unless
    download=False."""

    url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
    md5 = "c32a1d4ab5d03f1284b67883e8d87530"  # published on www.cs.toronto.edu/~kriz/cifar.html
    folder = "cifar-10-batches-bin"
    train_files = [f"data_batch_{i}.bin" for i in range(1, 6)]
    test_files = ["test_batch.bin"]
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
               "truck"]

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = True):
        self.train = train
        self.root = Path(root).expanduser() if root is not None else cache_dir() / "cifar10"
        folder = self.root / self.folder
        names = self.train_files if train else self.test_files
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:
            if not download:
                raise FileNotFoundError(f"CIFAR10: {', '.join(missing)} not found in {folder} "
                                        f"and download=False")
            archive = download_and_verify(self.url, (self.root / Path(self.url).name).absolute(),
                                          md5=self.md5)
            extract_tar_safely(archive, self.root, prefix=self.folder + "/")
            still = [n for n in names if not (folder / n).is_file()]
            if still:
                raise FileNotFoundError(f"CIFAR10: {archive.name} holds no "
                                        f"{self.folder}/{still[0]}")
        batches = [read_cifar_batch(folder / n) for n in names]
        images = np.concatenate([b[0] for b in batches])
        labels = np.concatenate([b[1] for b in batches])
        meta = folder / "batches.meta.txt"
        if meta.is_file():
            self.classes = [s.strip() for s in meta.read_text().splitlines() if s.strip()]
        if labels.size and labels.max() >= len(self.classes):
            raise ValueError(f"CIFAR10: a label {labels.max()} is out of range for "
                             f"{len(self.classes)} classes")
        super().__init__(images, labels, transform, target_transform)
