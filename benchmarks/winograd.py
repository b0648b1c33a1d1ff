"""Winograd's F(2x2, 3x3) and F(4x4, 3x3) against the im2col convolution: the float32 and
float64 error of each against an exact (float64, then rounded) reference, relative to the
output's largest entry, and the time of a forward + backward at the 3x3 stride-1 shapes of the
fashion_resnet and CIFAR ResNet-20 steps, with PyTorch's convolution timed beside them.

    python benchmarks/winograd.py [--threads 2] [--repeats 5] [--quick]
"""
from __future__ import annotations

import argparse

import numpy as np
from _timing import best_of  # benchmarks/, the script's own folder

# (batch, channels in, size, channels out): ResNet stages at 28, 14, 7 and 4 pixels
SHAPES = [(128, 16, 28, 16), (128, 32, 14, 32), (128, 64, 7, 64), (128, 128, 4, 128)]
QUICK = [(4, 8, 8, 8)]


def errors(dtype) -> dict[str, float]:
    """Largest error of each method against the exact product, over the largest |output|."""
    import wonderland as wl
    from wonderland.nn import functional as F

    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((8, 64, 16, 16)), rng.standard_normal((64, 64, 3, 3)) / 24
    exact = F.conv2d(wl.tensor(x), wl.tensor(w), padding=1).numpy()  # float64: the reference
    scale = np.abs(exact).max()
    xs, ws = wl.tensor(x.astype(dtype)), wl.tensor(w.astype(dtype))
    if dtype == np.float64:  # the float64 reference against itself would read 0: use 128 bits
        exact = _longdouble_conv(x, w)
    out = {"im2col": F.conv2d(xs, ws, padding=1)}
    for tile in (2, 4):
        out[f"F({tile}x{tile}, 3x3)"] = F.conv2d_winograd(xs, ws, padding=1, tile=tile)
    return {k: float(np.abs(v.numpy() - exact).max() / scale) for k, v in out.items()}


def _longdouble_conv(x, w):
    """The convolution in NumPy's longdouble (80-bit on x86): the float64 methods' reference."""
    x, w = x.astype(np.longdouble), w.astype(np.longdouble)
    n, c, h, wd = x.shape
    frame = np.zeros((n, c, h + 2, wd + 2), np.longdouble)
    frame[:, :, 1:-1, 1:-1] = x
    y = np.zeros((n, w.shape[0], h, wd), np.longdouble)
    for i in range(3):
        for j in range(3):
            y += np.einsum("nchw,oc->nohw", frame[:, :, i:i + h, j:j + wd], w[:, :, i, j])
    return y.astype(np.float64)


def timings(shapes, repeats: int) -> list[dict]:
    """Milliseconds of conv forward + backward (input and weight gradients), float32."""
    return [_timing(shape, repeats) for shape in shapes]


def _timing(shape, repeats: int) -> dict:
    import torch

    import wonderland as wl
    from wonderland.nn import functional as F

    n, c, size, o = shape
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, size, size), dtype=np.float32)
    w = rng.standard_normal((o, c, 3, 3), dtype=np.float32)
    g = rng.standard_normal((n, o, size, size), dtype=np.float32)

    def ours(conv, **kw):
        xs, ws = wl.tensor(x, requires_grad=True), wl.tensor(w, requires_grad=True)
        return lambda: wl.autograd.grad(conv(xs, ws, padding=1, **kw), [xs, ws], wl.tensor(g))

    def theirs():
        xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        y = torch.nn.functional.conv2d(xt, wt, padding=1)
        return torch.autograd.grad(y, [xt, wt], torch.tensor(g))

    row = {"torch": best_of(theirs, repeats), "im2col": best_of(ours(F.conv2d), repeats)}
    for tile in (2, 4):
        row[f"F{tile}"] = best_of(ours(F.conv2d_winograd, tile=tile), repeats)
    return {"shape": shape} | {k: v * 1e3 for k, v in row.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="one tiny shape, one repeat")
    args = p.parse_args()
    import torch

    import wonderland as wl

    torch.set_num_threads(args.threads)
    wl.set_num_threads(args.threads)
    print("error against the exact convolution, relative to the largest output:\n\n"
          "| dtype | im2col | F(2x2, 3x3) | F(4x4, 3x3) |\n|---|---|---|---|")
    for dtype in (np.float32, np.float64):
        e = errors(dtype)
        print(f"| {np.dtype(dtype).name} | " + " | ".join(f"{v:.2e}" for v in e.values()) + " |")
    shapes, repeats = (QUICK, 1) if args.quick else (SHAPES, args.repeats)
    print(f"\nforward + backward, ms (best of {repeats}), {args.threads} threads:\n\n"
          "| N, C, size, K | PyTorch | im2col | F(2x2, 3x3) | F(4x4, 3x3) |\n|---|---|---|---|---|")
    for r in timings(shapes, repeats):
        print(f"| {', '.join(map(str, r['shape']))} | {r['torch']:.1f} | {r['im2col']:.1f} | "
              f"{r['F2']:.1f} | {r['F4']:.1f} |")


if __name__ == "__main__":
    main()
