"""Shared test setup: a second NumPy-backed device type ('fakedev') so that device rules
(no silent transfers, clear errors on mixing) are testable on a machine without a GPU; and small
data folders for the recipes (MNIST-1D generated once per session, a fake Fashion-MNIST)."""
import gzip

import numpy as np
import pytest

from wonderland.backend import Backend, register_backend

register_backend(Backend("fakedev", np, to_numpy=lambda a: a, from_numpy=lambda a: a.copy()))


@pytest.fixture(autouse=True)
def _seed():
    import wonderland as wl

    wl.manual_seed(0)


@pytest.fixture(scope="session")
def mnist1d_root(tmp_path_factory):
    """One generated MNIST-1D for the session (a second or so), outside the user's cache."""
    return str(tmp_path_factory.mktemp("mnist1d"))


@pytest.fixture
def fashion_root(tmp_path):
    """Fake Fashion-MNIST IDX files in the real names: 40 train and 10 test random images."""
    from wonderland.data.datasets import write_idx

    rng = np.random.default_rng(0)
    for split, n in (("train", 40), ("t10k", 10)):
        write_idx(tmp_path / f"{split}-images-idx3-ubyte.gz",
                  rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(tmp_path / f"{split}-labels-idx1-ubyte.gz",
                  rng.integers(0, 10, n, dtype=np.uint8))
    assert gzip.open(tmp_path / "t10k-labels-idx1-ubyte.gz").read()  # really gzipped
    return str(tmp_path)


# tiny Shakespeare's 65 characters: the vocabulary the language-model recipes are built for
SHAKESPEARE_CHARS = "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def text_root(tmp_path):
    """A folder holding input.txt: 3,065 characters of tiny Shakespeare's alphabet, every one
    present, for the language-model recipes (with download false: it is not the real text)."""
    rng = np.random.default_rng(0)
    (tmp_path / "text").mkdir()
    text = SHAKESPEARE_CHARS + "".join(rng.choice(list(SHAKESPEARE_CHARS), 3000))
    (tmp_path / "text" / "input.txt").write_text(text)
    return str(tmp_path / "text")


@pytest.fixture
def recipe_data_args(mnist1d_root, fashion_root, text_root):
    """name -> the command-line settings that point a shipped recipe at the tests' data."""
    def args(name: str) -> list[str]:
        if name.startswith("fashion"):
            return ["--data_root", fashion_root, "--val_size", "8"]
        if name.startswith("shakespeare"):
            return ["--data_root", text_root, "--download", "false"]
        return ["--data_root", mnist1d_root]
    return args
