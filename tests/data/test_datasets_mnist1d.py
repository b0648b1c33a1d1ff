"""MNIST-1D: generated with the benchmark's defaults (shapes, dtypes, classes), deterministic,
cached as a pickle-free .npz that a second load reads, and overrides that change the set."""
import builtins
import random

import numpy as np
import pytest

from wonderland.data import DataLoader
from wonderland.data.datasets import MNIST1D

SMALL = {"num_samples": 500, "train_split": 0.6}  # generates in a tenth of the time


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("mnist1d")


def test_shapes_dtypes_and_classes(root):
    train, test = MNIST1D(root=root), MNIST1D(train=False, root=root)
    assert len(train) == 4000 and len(test) == 1000
    x, y = train[0]
    assert x.shape == (40,) and x.dtype == np.float32 and isinstance(y, np.int64)
    assert train.data.dtype == np.float32 and train.targets.dtype == np.int64
    for ds in (train, test):
        assert set(np.unique(ds.targets)) == set(range(10))
    assert not np.array_equal(train.data[:1000], test.data)
    xb, yb = next(iter(DataLoader(train, batch_size=8)))
    assert xb.shape == (8, 40) and yb.shape == (8,)


def test_matches_mnist1d_and_leaves_global_random_state(root, tmp_path):
    from mnist1d.data import make_dataset

    ref = make_dataset()
    np.random.seed(7)
    random.seed(7)
    expected = np.random.rand(), random.random()
    np.random.seed(7)
    random.seed(7)
    MNIST1D(root=tmp_path, args=SMALL)  # generates, seeding mnist1d's global generators
    assert (np.random.rand(), random.random()) == expected
    train, test = MNIST1D(root=root), MNIST1D(train=False, root=root)
    np.testing.assert_array_equal(train.data, ref["x"].astype(np.float32))
    np.testing.assert_array_equal(train.targets, ref["y"])
    np.testing.assert_array_equal(test.data, ref["x_test"].astype(np.float32))
    np.testing.assert_array_equal(test.targets, ref["y_test"])


def test_cache_hit_is_identical_and_needs_no_generation(root, monkeypatch):
    first = MNIST1D(root=root)
    assert first.path.parent == root and first.path.suffix == ".npz"
    with np.load(first.path, allow_pickle=False) as f:
        assert set(f.files) == {"x", "y", "x_test", "y_test", "key"}

    def fail(*a, **k):
        raise AssertionError("generated again instead of reading the cache")

    monkeypatch.setattr("wonderland.data.datasets.mnist1d._generate", fail)
    second = MNIST1D(root=root)
    np.testing.assert_array_equal(first.data, second.data)
    np.testing.assert_array_equal(first.targets, second.targets)
    assert list(root.glob(".tmp-*")) == []  # the atomic write left no temporary file


def test_default_cache_folder_and_a_corrupt_file(tmp_path, monkeypatch):
    monkeypatch.setenv("WONDERLAND_DATA", str(tmp_path))
    ds = MNIST1D(train=False, args=SMALL)
    assert ds.path.parent == tmp_path / "mnist1d"
    ds.path.write_bytes(b"not a zip file")
    again = MNIST1D(train=False, args=SMALL)  # regenerated and rewritten
    np.testing.assert_array_equal(again.data, ds.data)
    with np.load(ds.path, allow_pickle=False) as f:
        np.testing.assert_array_equal(f["x_test"], ds.data)


def test_seed_and_args_overrides(root):
    small = MNIST1D(root=root, args=SMALL)
    assert len(small) == 300 and len(MNIST1D(False, root=root, args=SMALL)) == 200
    assert small.path != MNIST1D(root=root).path
    other = MNIST1D(root=root, seed=0, args=SMALL)
    assert other.path != small.path and not np.array_equal(other.data, small.data)
    with pytest.raises(ValueError, match="num_sample"):
        MNIST1D(root=root, args={"num_sample": 10})
    with pytest.raises(ValueError, match="seed="):
        MNIST1D(root=root, args={"seed": 1})


def test_missing_package_says_how_to_install(monkeypatch):
    real_import = builtins.__import__

    def no_mnist1d(name, *args, **kwargs):
        if name.startswith("mnist1d"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mnist1d)
    with pytest.raises(ImportError, match="pip install mnist1d"):
        MNIST1D()
