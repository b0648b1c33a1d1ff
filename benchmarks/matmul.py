"""How fast matrix multiplication really is here: GFLOP/s of the BLAS product (NumPy's, which
wonderland's matmul calls; PyTorch's beside it) against the machine's FMA peak, and of
wl.linalg.strassen_matmul at its crossover, for square float32 products from 256 to 4096; and
Strassen's float32 error against float64's exact product, level by level, beside the BLAS
product's. The peak is cores x clock x FLOPs a cycle: two FMA units of the widest vectors the
CPU has (AVX-512: 16 float32 lanes, AVX2: 8), each FMA two FLOPs.

    python benchmarks/matmul.py [--threads 2] [--sizes 256 512 1024 2048 4096] [--repeats 3]
"""
from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import numpy as np


def peak_gflops(threads: int) -> tuple[float, str]:
    """(float32 GFLOP/s at the nominal clock over `threads` cores, how it was computed)."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    mhz = re.search(r"cpu MHz\s*:\s*([\d.]+)", info)
    ghz = float(mhz.group(1)) / 1000 if mhz else float("nan")
    lanes = 16 if "avx512f" in info else 8 if "avx2" in info else 4
    per_cycle = 2 * 2 * lanes  # two FMA units, two FLOPs each, per float32 lane
    return threads * ghz * per_cycle, (f"{threads} cores x {ghz:.2f} GHz x {per_cycle} float32 "
                                       f"FLOPs a cycle ({'AVX-512' if lanes == 16 else 'AVX2'})")


def best_of(fn, x, y, repeats: int) -> float:
    """The fastest of `repeats` timed calls fn(x, y), after one warm-up."""
    fn(x, y)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(x, y)
        times.append(time.perf_counter() - start)
    return min(times)


def speeds(sizes, repeats: int, crossover: int) -> list[dict]:
    """GFLOP/s of each product at each size. PyTorch is timed first, for all sizes: OpenBLAS's
    threads keep spinning for a while after a NumPy product and would steal its cores."""
    import torch

    import wonderland as wl

    def strassen(x, y):
        return wl.linalg.strassen_matmul(x, y, crossover)

    rng = np.random.default_rng(0)
    pairs = {n: tuple(rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
             for n in sizes}
    rows = {n: {"n": n} for n in sizes}
    for name, fn, wrap in (("torch", torch.matmul, torch.from_numpy),
                           ("numpy", np.matmul, lambda a: a),
                           ("wonderland", wl.matmul, wl.tensor), ("strassen", strassen, wl.tensor)):
        for n, (a, b) in pairs.items():
            rows[n][name] = 2 * n ** 3 / 1e9 / best_of(fn, wrap(a), wrap(b), repeats)
    return list(rows.values())


def errors(n: int, crossovers) -> list[dict]:
    """The largest error of a float32 product against the float64 one, relative to the largest
    entry, for BLAS and for Strassen at each crossover (one more level each halving)."""
    import wonderland as wl

    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    exact = a @ b
    scale = np.abs(exact).max()
    a32, b32 = wl.tensor(a.astype(np.float32)), wl.tensor(b.astype(np.float32))
    rows = [{"method": "BLAS", "levels": 0,
             "error": float(np.abs((a32 @ b32).numpy() - exact).max() / scale)}]
    for c in crossovers:
        levels = int(np.ceil(np.log2(n / c))) if c < n else 0
        out = wl.linalg.strassen_matmul(a32, b32, c).numpy()
        rows.append({"method": f"Strassen, crossover {c}", "levels": levels,
                     "error": float(np.abs(out - exact).max() / scale)})
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--crossover", type=int, default=512)
    p.add_argument("--error-size", type=int, default=1024)
    args = p.parse_args()
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(args.threads)
    with threadpool_limits(args.threads):  # NumPy's BLAS at the same threads as PyTorch
        report(args)


def report(args) -> None:
    peak, how = peak_gflops(args.threads)
    print(f"peak {peak:.0f} GFLOP/s: {how}\n")
    print("| n | NumPy BLAS | wonderland @ | PyTorch | Strassen (crossover "
          f"{args.crossover}) | BLAS / peak |\n|---|---|---|---|---|---|")
    for r in speeds(args.sizes, args.repeats, args.crossover):
        print(f"| {r['n']} | {r['numpy']:.1f} | {r['wonderland']:.1f} | {r['torch']:.1f} | "
              f"{r['strassen']:.1f} | {r['numpy'] / peak:.0%} |")
    n = args.error_size
    print(f"\nfloat32 error against float64, n = {n}, relative to the largest entry:\n\n"
          "| method | levels | error |\n|---|---|---|")
    for r in errors(n, [n // 2, n // 4, n // 8, n // 16, n // 32]):
        print(f"| {r['method']} | {r['levels']} | {r['error']:.2e} |")


if __name__ == "__main__":
    main()
