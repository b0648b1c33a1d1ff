"""Core costs side by side with PyTorch (CPU, one process): the per-op overhead of a long chain of
tiny ops (build and backward), and conv2d forward + backward at a realistic size. Prints a table
of median times and the ratio wonderland / torch.

    python benchmarks/core_ops.py [--steps N] [--threads T]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

import wonderland as wl
import wonderland.nn.functional as F


def median_time(fn, repeats: int) -> float:
    fn()  # warm up (caches, allocator)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def chain(lib, n: int):
    def run():
        x = lib.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(n):
            y = y * 1.0000001
        y.backward()
    return run


def conv(lib, functional, arrays):
    x, w, b, g = arrays

    def run():
        xs, ws, bs = (lib.tensor(a, requires_grad=True) for a in (x, w, b))
        y = functional.conv2d(xs, ws, bs, padding=1)
        y.backward(lib.tensor(g))
    return run


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20, help="repeats per measurement")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32)
              for s in ((32, 3, 32, 32), (16, 3, 3, 3), (16,), (32, 16, 32, 32))]
    n_chain = 10_000
    rows = [
        (f"chain of {n_chain} muls + backward", chain(wl, n_chain), chain(torch, n_chain)),
        ("conv2d 32x3x32x32 -> 16, k=3, fwd+bwd", conv(wl, F, arrays),
         conv(torch, torch.nn.functional, arrays)),
    ]
    print("| benchmark | wonderland | torch | ratio |")
    print("|---|---|---|---|")
    for name, ours, theirs in rows:
        a, b = median_time(ours, args.steps), median_time(theirs, args.steps)
        print(f"| {name} | {a * 1e3:.2f} ms | {b * 1e3:.2f} ms | {a / b:.1f}x |")


if __name__ == "__main__":
    main()
