"""CIFAR-10 on a tiny tarball of the real layout served over file://: MD5 verification, safe
extraction, pixel layout (R, G, B planes to HWC), labels, and the train/test batch files."""
import hashlib
import io
import tarfile

import numpy as np
import pytest

from wonderland.data import DataLoader
from wonderland.data.datasets import CIFAR10
from wonderland.data.datasets.cifar10 import extract_tar_safely, read_cifar_batch
from wonderland.data.transforms import ToTensor

FOLDER = "cifar-10-batches-bin"
NAMES = ["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
COUNTS = {"data_batch_1.bin": 2, "data_batch_2.bin": 3, "data_batch_3.bin": 1,
          "data_batch_4.bin": 2, "data_batch_5.bin": 2, "test_batch.bin": 3}


def _records(n, seed):
    """n random records: the label byte, then the R, G and B planes of a 32x32 image."""
    rng = np.random.default_rng(seed)
    rec = rng.integers(0, 256, (n, 3073), dtype=np.uint8)
    rec[:, 0] = rng.integers(0, 10, n)
    return rec


def _add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _tarball(path, extra=()):
    """A cifar-10-binary.tar.gz of the real layout with COUNTS records per file; returns them."""
    recs = {name: _records(n, seed) for seed, (name, n) in enumerate(COUNTS.items())}
    with tarfile.open(path, "w:gz") as tar:
        folder = tarfile.TarInfo(FOLDER)
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)
        _add(tar, f"{FOLDER}/batches.meta.txt", ("\n".join(NAMES) + "\n\n").encode())
        _add(tar, f"{FOLDER}/readme.html", b"<html></html>")
        for name, rec in recs.items():
            _add(tar, f"{FOLDER}/{name}", rec.tobytes())
        for member in extra:
            tar.addfile(member, io.BytesIO(b"x" * member.size) if member.size else None)
    return recs


def _local(monkeypatch, tmp_path, md5=None):
    """A CIFAR10 whose tarball comes from tmp_path/mirror over file:// into tmp_path/cache."""
    mirror = tmp_path / "mirror"
    mirror.mkdir(exist_ok=True)
    recs = _tarball(mirror / "cifar-10-binary.tar.gz")
    digest = hashlib.md5((mirror / "cifar-10-binary.tar.gz").read_bytes()).hexdigest()
    local = type("LocalCIFAR10", (CIFAR10,), {})
    monkeypatch.setattr(local, "url", (mirror / "cifar-10-binary.tar.gz").as_uri())
    monkeypatch.setattr(local, "md5", md5 or digest)
    monkeypatch.setenv("WONDERLAND_DATA", str(tmp_path / "cache"))
    return local, recs, digest


def test_download_extract_and_layout(tmp_path, monkeypatch):
    local, recs, _ = _local(monkeypatch, tmp_path)
    train, test = local(), local(train=False)
    assert len(train) == 10 and len(test) == 3 and train.train and not test.train
    root = tmp_path / "cache" / "cifar10"
    assert (root / "cifar-10-binary.tar.gz").is_file() and (root / FOLDER / "readme.html").exists()
    assert train.classes == NAMES and CIFAR10.classes[0] == "airplane"
    x, y = train[0]
    assert x.shape == (32, 32, 3) and x.dtype == np.uint8 and isinstance(y, np.int64)
    assert train.data.flags.c_contiguous and train.targets.dtype == np.int64

    order = [f"data_batch_{i}.bin" for i in range(1, 6)]  # train: the 5 batches in order
    all_train = np.concatenate([recs[n] for n in order])
    np.testing.assert_array_equal(train.targets, all_train[:, 0])
    np.testing.assert_array_equal(test.targets, recs["test_batch.bin"][:, 0])
    rec = recs["data_batch_2.bin"][1]  # train index 3
    img = train.data[3]
    for channel, row, col in [(0, 0, 0), (0, 3, 5), (1, 7, 1), (2, 31, 31), (2, 0, 31)]:
        assert img[row, col, channel] == rec[1 + channel * 1024 + row * 32 + col]
    np.testing.assert_array_equal(img[..., 1].ravel(), rec[1025:2049])
    np.testing.assert_array_equal(test.data[2, ..., 2].ravel(), recs["test_batch.bin"][2, 2049:])

    t, _ = local(transform=ToTensor())[3]
    assert t.shape == (3, 32, 32)
    np.testing.assert_allclose(t.numpy()[0].ravel(), rec[1:1025] / 255.0, rtol=1e-6)
    xb, yb = next(iter(DataLoader(local(transform=ToTensor()), batch_size=4)))
    assert xb.shape == (4, 3, 32, 32) and yb.shape == (4,)


def test_second_load_reads_the_extracted_files(tmp_path, monkeypatch):
    local, _, _ = _local(monkeypatch, tmp_path)
    first = local(train=False)
    (tmp_path / "mirror" / "cifar-10-binary.tar.gz").unlink()
    (tmp_path / "cache" / "cifar10" / "cifar-10-binary.tar.gz").unlink()
    np.testing.assert_array_equal(local(train=False, download=False).data, first.data)


def test_bad_checksum_names_the_file_and_digests(tmp_path, monkeypatch):
    local, _, digest = _local(monkeypatch, tmp_path, md5="0" * 32)
    with pytest.raises(ValueError, match="checksum mismatch") as info:
        local()
    message = str(info.value)
    assert "cifar-10-binary.tar.gz" in message and "0" * 32 in message and digest in message
    assert not (tmp_path / "cache" / "cifar10" / FOLDER).exists()


def test_missing_files_without_download(tmp_path):
    with pytest.raises(FileNotFoundError, match="data_batch_1.bin.*download=False"):
        CIFAR10(tmp_path, download=False)
    with pytest.raises(FileNotFoundError, match="test_batch.bin"):
        CIFAR10(tmp_path, train=False, download=False)


@pytest.mark.parametrize("name", ["/etc/evil", "cifar-10-batches-bin/../../evil", "../evil",
                                  "C:/evil"])
def test_unsafe_members_are_refused(tmp_path, name):
    bad = tarfile.TarInfo(name)
    bad.size = 3
    _tarball(tmp_path / "bad.tar.gz", extra=[bad])
    with pytest.raises(ValueError, match="absolute path or a '..'"):
        extract_tar_safely(tmp_path / "bad.tar.gz", tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path / "evil").exists()


def test_links_are_refused(tmp_path):
    link = tarfile.TarInfo(f"{FOLDER}/data_batch_6.bin")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    _tarball(tmp_path / "bad.tar.gz", extra=[link])
    with pytest.raises(ValueError, match="is a link"):
        extract_tar_safely(tmp_path / "bad.tar.gz", tmp_path / "out")


def test_truncated_batch_file(tmp_path):
    folder = tmp_path / FOLDER
    folder.mkdir()
    (folder / "test_batch.bin").write_bytes(_records(2, 0).tobytes()[:-1])
    with pytest.raises(ValueError, match="test_batch.bin has 6145 bytes.*multiple of 3073"):
        CIFAR10(tmp_path, train=False, download=False)
    images, labels = read_cifar_batch(_write(folder / "one.bin", _records(1, 5)))
    assert images.shape == (1, 32, 32, 3) and labels.shape == (1,)


def _write(path, rec):
    path.write_bytes(rec.tobytes())
    return path
