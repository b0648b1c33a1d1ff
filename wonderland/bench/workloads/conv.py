"""conv2d forward + backward (gradients for input, weight and bias), float32, NCHW, padding 1:
N64 C32 28x28, 64 filters of 3x3, as in the CPU-performance issue."""
from __future__ import annotations

import numpy as np

from .base import Case, Target, Workload

FULL = (64, 32, 28, 64)  # batch, in channels, height = width, out channels
QUICK = (2, 3, 8, 4)


def _arrays(quick: bool) -> list[np.ndarray]:
    n, c, hw, k = QUICK if quick else FULL
    rng = np.random.default_rng(0)
    shapes = ((n, c, hw, hw), (k, c, 3, 3), (k,), (n, k, hw, hw))
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def _conv(module: str, functional: str):
    """Builder for a PyTorch-like library: leaf tensors, grads set to None before each call,
    y = conv2d(x, w, b, padding=1); y.backward(g) with a fixed random g."""
    def build(quick: bool) -> Case:
        import importlib

        lib, fn = importlib.import_module(module), importlib.import_module(functional)
        x, w, b, g = _arrays(quick)
        xs, ws, bs = (lib.tensor(a, requires_grad=True) for a in (x, w, b))
        gs = lib.tensor(g)

        def run():
            for t in (xs, ws, bs):
                t.grad = None
            fn.conv2d(xs, ws, bs, padding=1).backward(gs)
        return Case(run)
    return build


WORKLOADS = [
    Workload("conv2d", "conv", "conv2d fwd+bwd N64 C32 28x28 K64 3x3", {
        "wonderland": _conv("wonderland", "wonderland.nn.functional"),
        "torch": _conv("torch", "torch.nn.functional")}, target=Target(1.5)),
]
