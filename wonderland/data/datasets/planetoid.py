"""The Planetoid citation graphs (Yang et al. 2016; Cora, the split of Kipf & Welling and of
Velickovic et al.: 140 training, 500 validation and 1,000 test nodes) read from their ind.<name>.*
pickles with a restricted unpickler (_safe_pickle: nothing in a file runs), arranged as the
standard loader does, features row-normalised."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._safe_pickle import CSR, safe_load
from .download import cache_dir, download_or_explain

__all__ = ["Planetoid"]

PARTS = ("x", "y", "tx", "ty", "allx", "ally", "graph", "test.index")
URL = "https://github.com/kimiyoung/planetoid/raw/master/data/ind.{name}.{part}"
SHA256 = {"cora": {
    "x": "23cfa55d91c6f624233f5eb7b6e3f141f1bd2b2ae39608a63cf5d084bb27baab",
    "y": "94465c14eb53e04ca262198dcbb2521ee8af60fb3f3d546cd6ca24a511b0e7d1",
    "tx": "b9afbaa4a400df991f6f02ef677e1e44da55ffc04801fd02f9e673987829226a",
    "ty": "41f5ac76596a1699cc33f53084a2419e92961c42bb75f36fc38e616d348532ad",
    "allx": "9419ba2f26f5c35243db64aba110e0f35a04851609e0dc5433450676ca6b8543",
    "ally": "2b998f5cc7fedc86e7f97ca2498f47a1ffc1462c29e2d578b23bf3f62b6e7d71",
    "graph": "58f13302f39dde8852dad6fe6d15b89b077b6d7f837626bce671ef80344b383d",
    "test.index": "297ce89af2b51a6a194181c7dbe1796c6a1cf9cd9349a88383b1b1e227867875",
}}


class Planetoid:
    """One Planetoid graph: x (N, F) float32 features (rows summing to 1, as both papers
    normalise them; normalize=False keeps the raw 0/1 words), edge_index (2, E) int64 with both
    directions of every edge (no loops, no duplicates), y (N,) int64 classes, and the public
    split's node indices train_index (the first len(y) nodes), val_index (the next 500) and
    test_index (the sorted test.index nodes).

    The files are root/ind.<name>.<part> (default root cache_dir()/"planetoid"); missing ones are
    downloaded from the Planetoid repository and SHA-256-checked (Cora's checksums ship here;
    other graphs read from files you put there, download=False)."""

    def __init__(self, root: str | os.PathLike | None = None, name: str = "cora",
                 download: bool = True, normalize: bool = True) -> None:
        self.name = name.lower()
        self.root = Path(root).expanduser() if root is not None else cache_dir() / "planetoid"
        parts = {part: self._read(part, download) for part in PARTS}
        self._arrange(parts, normalize)

    def _read(self, part: str, download: bool):
        path = (self.root / f"ind.{self.name}.{part}").absolute()
        if not path.is_file():
            if not download:
                raise FileNotFoundError(f"Planetoid: {path} does not exist (download=False)")
            if self.name not in SHA256:
                raise FileNotFoundError(
                    f"Planetoid: {path} does not exist, and only {sorted(SHA256)} have "
                    f"checksums here to download with; put the ind.{self.name}.* files in "
                    f"{self.root}")
            path = download_or_explain(
                "Planetoid", f"ind.{self.name}.{part}", str(self.root),
                f"put the Planetoid files at {self.root}", URL.format(name=self.name, part=part),
                path, sha256=SHA256[self.name][part])
        raw = path.read_bytes()
        if part == "test.index":
            return np.array([int(line) for line in raw.decode().split()], dtype=np.int64)
        return safe_load(raw, str(path))

    def _arrange(self, parts: dict, normalize: bool) -> None:
        """The standard loader's arrangement (Kipf's utils.load_data): allx then tx, with the
        test rows moved to the nodes test.index names (which are not contiguous), and a gap of
        zero rows where a test range has isolated nodes outside the files (CiteSeer)."""
        def dense(m):
            m = m.dense() if isinstance(m, CSR) else np.asarray(m)
            if m.ndim != 2:
                raise ValueError(f"Planetoid: expected a matrix in the {self.name} files, got "
                                 f"shape {m.shape}")
            return m.astype(np.float32)

        allx, tx, ally, ty = (dense(parts[k]) for k in ("allx", "tx", "ally", "ty"))
        order = parts["test.index"]
        test = np.sort(order)
        span = int(test[-1] - test[0] + 1)
        if span != len(tx):  # isolated test nodes: zero rows for the indices the files skip
            wide_x, wide_y = (np.zeros((span, a.shape[1]), np.float32) for a in (tx, ty))
            wide_x[test - test[0]], wide_y[test - test[0]] = tx, ty
            tx, ty = wide_x, wide_y
        x, labels = np.concatenate([allx, tx]), np.concatenate([ally, ty])
        x[order], labels[order] = x[test], labels[test]
        if normalize:  # each row over its sum (a row of zeros stays zero)
            sums = x.sum(1, keepdims=True)
            x = np.divide(x, sums, out=np.zeros_like(x), where=sums > 0)
        n = len(x)
        pairs = [(int(s), int(t)) for s, targets in parts["graph"].items() for t in targets]
        e = np.array(pairs, dtype=np.int64).reshape(-1, 2).T
        if e.size and (e.min() < 0 or e.max() >= n):
            raise ValueError(f"Planetoid: ind.{self.name}.graph names node {int(e.max())}, but "
                             f"there are {n} nodes")
        e = np.concatenate([e, e[::-1]], axis=1)
        e = e[:, e[0] != e[1]]
        e = np.unique(e[1] * n + e[0])  # sorted by target, then source, without duplicates
        self.edge_index = np.stack([e % n, e // n]).astype(np.int64)
        self.x, self.y = x, labels.argmax(1).astype(np.int64)
        n_train = len(parts["y"])
        self.train_index = np.arange(n_train)
        self.val_index = np.arange(n_train, n_train + 500)
        self.test_index = test

    @property
    def num_nodes(self) -> int:
        return len(self.x)

    @property
    def num_features(self) -> int:
        return self.x.shape[1]

    @property
    def num_classes(self) -> int:
        return int(self.y.max()) + 1

    def __repr__(self) -> str:
        return (f"Planetoid({self.name}: {self.num_nodes} nodes, {self.edge_index.shape[1]} "
                f"directed edges, {self.num_features} features, {self.num_classes} classes; "
                f"{len(self.train_index)}/{len(self.val_index)}/{len(self.test_index)} split)")
