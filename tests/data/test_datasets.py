"""Datasets: IDX round trips, checksummed downloads over file:// (no network), and the
scikit-learn sets' shapes, dtypes and determinism."""
import gzip
import hashlib

import numpy as np
import pytest

from wonderland.data.datasets import (
    Digits,
    Moons,
    SwissRoll,
    cache_dir,
    download_and_verify,
    read_idx,
    write_idx,
)
from wonderland.data.datasets._arrays import split_indices


@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32,
                                   np.float64])
def test_idx_round_trip(tmp_path, name, dtype):
    a = (np.arange(60).reshape(3, 4, 5) - 7).astype(dtype)
    if dtype == np.uint8:
        a = np.arange(60, dtype=np.uint8).reshape(3, 4, 5)
    write_idx(tmp_path / name, a)
    b = read_idx(tmp_path / name)
    assert b.dtype == a.dtype and b.shape == a.shape
    np.testing.assert_array_equal(a, b)


def test_idx_reads_the_published_layout(tmp_path):
    # MNIST labels: magic 0x00000801, count, then bytes
    raw = bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1])
    (tmp_path / "labels").write_bytes(raw)
    with gzip.open(tmp_path / "labels.gz", "wb") as f:
        f.write(raw)
    for p in ("labels", "labels.gz"):
        np.testing.assert_array_equal(read_idx(tmp_path / p), [7, 2, 1])


def test_idx_header_errors(tmp_path):
    (tmp_path / "bad").write_bytes(bytes([1, 2, 8, 1, 0, 0, 0, 1, 5]))
    with pytest.raises(ValueError, match="magic"):
        read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 4, 5]))
    with pytest.raises(ValueError, match="needs 4"):
        read_idx(tmp_path / "short")
    with pytest.raises(TypeError, match="no type"):
        write_idx(tmp_path / "x", np.zeros(2, np.int64))


def test_download_and_verify_over_file_url(tmp_path, monkeypatch):
    src = tmp_path / "src.bin"
    src.write_bytes(b"wonderland" * 100)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    monkeypatch.setenv("WONDERLAND_DATA", str(tmp_path / "cache"))
    assert cache_dir() == tmp_path / "cache"
    got = download_and_verify(src.as_uri(), "sub/copy.bin", digest)
    assert got == tmp_path / "cache" / "sub" / "copy.bin"
    assert got.read_bytes() == src.read_bytes()
    src.unlink()  # a second call finds the verified file and does not download
    assert download_and_verify(src.as_uri(), "sub/copy.bin", digest) == got
    assert download_and_verify((tmp_path / "cache/sub/copy.bin").as_uri()).name == "copy.bin"


def test_download_checksum_mismatch_names_file_and_digests(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"abc")
    actual = hashlib.sha256(b"abc").hexdigest()
    dest = tmp_path / "out" / "data.bin"
    with pytest.raises(ValueError, match="data.bin") as info:
        download_and_verify(src.as_uri(), dest, "0" * 64)
    assert "0" * 64 in str(info.value) and actual in str(info.value)
    assert not dest.exists() and list(dest.parent.iterdir()) == []  # no partial file kept


def test_digits_split_shapes_and_determinism():
    train, test = Digits(train=True, seed=1), Digits(train=False, seed=1)
    assert len(train) + len(test) == 1797 and len(test) == 359
    x, y = train[0]
    assert x.dtype == np.float32 and x.shape == (64,) and y.dtype == np.int64
    assert 0.0 <= train.data.min() and train.data.max() <= 1.0
    np.testing.assert_array_equal(Digits(seed=1).data, train.data)
    assert not np.array_equal(Digits(seed=2).targets, train.targets)
    train_idx = split_indices(1797, 0.2, 1, True)
    test_idx = split_indices(1797, 0.2, 1, False)
    assert len(np.intersect1d(train_idx, test_idx)) == 0
    assert len(np.union1d(train_idx, test_idx)) == 1797
    assert Digits(image=True)[0][0].shape == (1, 8, 8)


def test_moons_and_swiss_roll():
    m = Moons(200, noise=0.1, seed=3)
    x, y = m[5]
    assert len(m) == 200 and x.shape == (2,) and x.dtype == np.float32 and y.dtype == np.int64
    assert set(np.unique(m.targets)) == {0, 1}
    np.testing.assert_array_equal(Moons(200, 0.1, 3).data, m.data)
    assert not np.array_equal(Moons(200, 0.1, 4).data, m.data)
    s = SwissRoll(150, noise=0.05, seed=0)
    x, t = s[0]
    assert len(s) == 150 and x.shape == (3,) and x.dtype == np.float32 and t.dtype == np.float32
    np.testing.assert_array_equal(SwissRoll(150, 0.05, 0).data, s.data)
    assert SwissRoll(10, dims=2)[0][0].shape == (2,)
    with pytest.raises(ValueError, match="positive"):
        Moons(0)

