"""DataLoader throughput: one shuffled pass over an in-memory set of 28x28 uint8 images with a
light NumPy transform (scale and normalise), with 0 and 2 worker processes. The dataset and
transform are the same object for both systems, so only the loaders differ."""
from __future__ import annotations

import numpy as np

from .base import Case, Workload

FULL = (8192, 128)  # samples, batch size
QUICK = (128, 32)


class ImageSet:
    """uint8 images and int64 labels in memory; a sample is (normalised float32 1x28x28, label)."""

    def __init__(self, n: int):
        rng = np.random.default_rng(0)
        self.images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        self.labels = rng.integers(0, 10, n, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        x = (self.images[i].astype(np.float32) * (1 / 255) - 0.1307) / 0.3081
        return x[None], self.labels[i]


def _loader(system: str, workers: int):
    def build(quick: bool) -> Case:
        n, batch = QUICK if quick else FULL
        data = ImageSet(n)
        if system == "torch":
            from torch.utils.data import DataLoader
        else:
            from wonderland.data import DataLoader
        loader = DataLoader(data, batch_size=batch, shuffle=True, num_workers=workers)

        def run():
            for _ in loader:
                pass
        return Case(run, float(n), keep=(loader,))
    return build


WORKLOADS = [
    Workload(f"loader_w{w}", "data", f"DataLoader pass, 8192 images, batch 128, {w} workers",
             {s: _loader(s, w) for s in ("wonderland", "torch")}, unit="samples/s")
    for w in (0, 2)
]
