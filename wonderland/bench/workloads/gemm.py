"""Matrix product throughput: float32 n x n @ n x n (2 n^3 FLOPs), with raw NumPy alongside so
that the cost of going through wonderland's Tensor is visible."""
from __future__ import annotations

import numpy as np

from .base import Case, Target, Workload


def _pair(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return tuple(rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))


def _gemm(system: str, size: int, quick_size: int):
    def build(quick: bool) -> Case:
        n = quick_size if quick else size
        a, b = _pair(n)
        work = 2.0 * n ** 3
        if system == "numpy":
            return Case(lambda: a @ b, work)
        if system == "wonderland":
            import wonderland as wl

            x, y = wl.tensor(a), wl.tensor(b)
            return Case(lambda: x @ y, work)
        if system == "torch":
            import torch

            x, y = torch.from_numpy(a), torch.from_numpy(b)
            return Case(lambda: x @ y, work)
        if system == "tinygrad":
            from tinygrad import Tensor

            x, y = Tensor(a).realize(), Tensor(b).realize()
            return Case(lambda: (x @ y).realize(), work)
        if system == "mygrad":
            import mygrad as mg

            x, y = mg.tensor(a, constant=True), mg.tensor(b, constant=True)
            return Case(lambda: mg.matmul(x, y), work)
        raise ValueError(f"gemm: no builder for system {system!r}")
    return build


SYSTEMS = ("wonderland", "torch", "numpy", "tinygrad", "mygrad")

WORKLOADS = [
    Workload(f"gemm{n}", "gemm", f"GEMM {n}x{n} float32",
             {s: _gemm(s, n, quick_n) for s in SYSTEMS}, unit="GFLOP/s",
             target=Target(1.05, versus="numpy"))
    for n, quick_n in ((1024, 64), (2048, 96))
]
