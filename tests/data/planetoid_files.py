"""Small Planetoid files in the real format (protocol-2 pickles of SciPy CSR matrices, NumPy
arrays and a defaultdict of lists, and a text test.index), for the dataset's tests and the
recipes' smoke runs."""
import pickle
from collections import defaultdict
from pathlib import Path

import numpy as np
import scipy.sparse as sp

N_TRAIN, N_VAL, N_OTHER, N_TEST, FEATURES, CLASSES = 20, 500, 10, 40, 12, 3


def write_planetoid(root, name: str = "cora", gaps: bool = False, seed: int = 0) -> dict:
    """Write root/ind.<name>.*; returns the raw parts. gaps=True spreads the test indices with
    holes (CiteSeer's isolated test nodes)."""
    rng = np.random.default_rng(seed)
    n_all = N_TRAIN + N_VAL + N_OTHER
    start = n_all
    test = start + (np.sort(rng.choice(N_TEST + 8, N_TEST, replace=False)) if gaps
                    else np.arange(N_TEST))
    order = rng.permutation(test)  # the file lists them shuffled, as Cora's does
    n = int(test.max()) + 1

    def features(rows):
        dense = (rng.random((rows, FEATURES)) < 0.3).astype(np.float32)
        dense[0] = 0  # a node without words: its row stays zero after normalising
        return sp.csr_matrix(dense)

    def labels(rows):
        return np.eye(CLASSES, dtype=np.int32)[rng.integers(0, CLASSES, rows)]

    graph = defaultdict(list)
    for _ in range(3 * n):
        a, b = (int(v) for v in rng.integers(0, n, 2))
        graph[a].append(b)
    graph[5].append(5)  # a self-loop and a duplicate, as the real files have
    graph[5].extend([6, 6])
    parts = {"x": features(N_TRAIN), "tx": features(N_TEST), "allx": features(n_all),
             "y": labels(N_TRAIN), "ty": labels(N_TEST), "ally": labels(n_all), "graph": graph}
    parts["x"], parts["y"] = parts["allx"][:N_TRAIN], parts["ally"][:N_TRAIN]
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for key, value in parts.items():
        (root / f"ind.{name}.{key}").write_bytes(pickle.dumps(value, protocol=2))
    (root / f"ind.{name}.test.index").write_text("".join(f"{i}\n" for i in order))
    parts["test.index"] = order
    return parts
