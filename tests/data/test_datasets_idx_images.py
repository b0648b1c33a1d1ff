"""MNIST and Fashion-MNIST (one IDX image loader): small generated files in the real names,
gzipped or plain, the folder search order, and checksummed downloads over file:// URLs."""
import hashlib
import os

import numpy as np
import pytest

from wonderland.data import DataLoader
from wonderland.data.datasets import MNIST, FashionMNIST, IdxImageDataset, write_idx
from wonderland.data.transforms import ToTensor

KINDS = [MNIST, FashionMNIST]


def _fake_idx(folder, n_train=12, n_test=5, gz=True, seed=0):
    """The four files of an MNIST-style set with random images and labels; returns them."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n).astype(np.uint8)
        ext = ".gz" if gz else ""
        write_idx(folder / f"{split}-images-idx3-ubyte{ext}", images)
        write_idx(folder / f"{split}-labels-idx1-ubyte{ext}", labels)
        out[split] = (images, labels)
    return out


def _local(kind, monkeypatch, tmp_path, mirror, md5):
    """A subclass of `kind` that downloads from a file:// mirror into tmp_path/cache."""
    local = type(f"Local{kind.__name__}", (kind,), {})
    monkeypatch.setattr(local, "mirror", mirror.as_uri() + "/")
    monkeypatch.setattr(local, "md5", md5)
    monkeypatch.setattr(local, "system_dir", None if kind.system_dir is None
                        else str(tmp_path / "no-system"))
    monkeypatch.setenv("WONDERLAND_DATA", str(tmp_path / "cache"))
    return local


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("gz", [True, False])
def test_loads_from_a_folder(tmp_path, kind, gz):
    ref = _fake_idx(tmp_path, gz=gz)
    train = kind(tmp_path, train=True, download=False)
    test = kind(tmp_path, train=False, download=False)
    assert isinstance(train, IdxImageDataset) and train.train and not test.train
    assert len(train) == 12 and len(test) == 5
    x, y = train[3]
    assert x.dtype == np.uint8 and x.shape == (28, 28) and isinstance(y, np.int64)
    np.testing.assert_array_equal(x, ref["train"][0][3])
    assert y == ref["train"][1][3]
    np.testing.assert_array_equal(test.data, ref["t10k"][0])
    np.testing.assert_array_equal(test.targets, ref["t10k"][1])
    assert train.targets.dtype == np.int64 and len(kind.classes) == 10
    t, _ = kind(tmp_path, transform=ToTensor(), download=False)[0]
    assert t.shape == (1, 28, 28)
    np.testing.assert_allclose(t.numpy()[0], ref["train"][0][0] / 255.0, rtol=1e-6)
    with pytest.raises(IndexError):
        train[12]


@pytest.mark.parametrize("kind", KINDS)
def test_batches_through_the_dataloader(tmp_path, kind):
    _fake_idx(tmp_path)
    ds = kind(tmp_path, transform=ToTensor(), download=False)
    x, y = next(iter(DataLoader(ds, batch_size=4)))
    assert x.shape == (4, 1, 28, 28) and y.shape == (4,)
    np.testing.assert_array_equal(y.numpy(), ds.targets[:4])


@pytest.mark.parametrize("kind", KINDS)
def test_download_with_good_and_bad_checksums(tmp_path, monkeypatch, kind):
    with pytest.raises(FileNotFoundError, match="download=False"):
        kind(tmp_path / "empty", download=False)
    mirror = tmp_path / "mirror"
    ref = _fake_idx(mirror, seed=1)
    sums = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in mirror.iterdir()}
    local = _local(kind, monkeypatch, tmp_path, mirror, sums)
    ds = local(train=False)
    assert len(ds) == 5
    np.testing.assert_array_equal(ds.data, ref["t10k"][0])
    cached = tmp_path / "cache" / kind.cache_name / "t10k-images-idx3-ubyte.gz"
    assert cached.is_file() and cached.read_bytes() == (mirror / cached.name).read_bytes()
    os.unlink(mirror / cached.name)  # a second load uses the cache, not the mirror
    assert len(local(train=False)) == 5

    name = "train-images-idx3-ubyte.gz"
    monkeypatch.setattr(local, "md5", {**sums, name: "f" * 32})
    with pytest.raises(ValueError, match="checksum mismatch") as info:
        local(tmp_path / "other", train=True)
    message = str(info.value)
    assert name in message and "f" * 32 in message and sums[name] in message
    assert not (tmp_path / "other" / name).exists()


def test_fashion_mnist_looks_in_the_system_folder_first(tmp_path, monkeypatch):
    system = tmp_path / "system"
    ref = _fake_idx(system, gz=False, seed=2)
    _fake_idx(tmp_path / "cache" / "fashion-mnist", seed=3)  # a different cached copy
    monkeypatch.setattr(FashionMNIST, "system_dir", str(system))
    monkeypatch.setenv("WONDERLAND_DATA", str(tmp_path / "cache"))
    np.testing.assert_array_equal(FashionMNIST(download=False).data, ref["train"][0])
    assert FashionMNIST.__dict__["system_dir"] == str(system)  # MNIST has none of its own
    assert MNIST.system_dir is None


def test_mnist_looks_only_in_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("WONDERLAND_DATA", str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError) as info:
        MNIST(download=False)
    assert str(tmp_path / "cache" / "mnist") in str(info.value)
    assert "/usr/share" not in str(info.value)
    ref = _fake_idx(tmp_path / "cache" / "mnist", seed=4)
    np.testing.assert_array_equal(MNIST(train=False, download=False).targets, ref["t10k"][1])


def test_malformed_files_are_rejected(tmp_path):
    _fake_idx(tmp_path)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((3, 4), np.uint8))
    with pytest.raises(ValueError, match=r"expected uint8 images \(n, h, w\)"):
        MNIST(tmp_path, download=False)


def test_published_checksums_are_md5_hex():
    for kind in KINDS:
        names = {f"{n}.gz" for pair in kind.files.values() for n in pair}
        assert set(kind.md5) == names
        assert all(len(v) == 32 and int(v, 16) >= 0 for v in kind.md5.values())
    assert MNIST.mirror.startswith("https://") and MNIST.mirror.endswith("/")
