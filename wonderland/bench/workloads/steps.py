"""Training steps, float32: forward, cross-entropy, backward and optimizer update (zero_grad
first) of an MLP, a CNN, a small GPT and a GRU, the same architecture in each system."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import models
from .base import Case, Target, Workload

# name -> (full, quick) settings; each builds (model, optimizer, inputs, targets) below
SIZES = {
    "mlp": ({"sizes": (784, 512, 512, 10), "batch": 128},
            {"sizes": (784, 32, 32, 10), "batch": 8}),
    "cnn": ({"c1": 32, "c2": 64, "batch": 128}, {"c1": 4, "c2": 8, "batch": 4}),
    "gpt": ({"vocab": 65, "d": 128, "heads": 4, "layers": 4, "seq": 64, "batch": 32},
            {"vocab": 65, "d": 16, "heads": 2, "layers": 1, "seq": 8, "batch": 2}),
    "gru": ({"input_size": 32, "hidden": 128, "seq": 50, "batch": 64},
            {"input_size": 8, "hidden": 16, "seq": 5, "batch": 4}),
}


def _data(shape: tuple, classes: int, batch: int, tokens: bool = False):
    rng = np.random.default_rng(0)
    if tokens:
        x = rng.integers(0, classes, shape, dtype=np.int64)
        y = rng.integers(0, classes, shape, dtype=np.int64)
    else:
        x = rng.standard_normal(shape).astype(np.float32)
        y = rng.integers(0, classes, batch, dtype=np.int64)
    return x, y


def _setup(name: str, lib, cfg: dict):
    """(model, optimizer, x, y as NumPy, loss(logits, y)) for one step workload."""
    b = cfg["batch"]
    if name == "mlp":
        model = models.mlp(lib, cfg["sizes"])
        x, y = _data((b, cfg["sizes"][0]), cfg["sizes"][-1], b)
    elif name == "cnn":
        model = models.cnn(lib, cfg["c1"], cfg["c2"])
        x, y = _data((b, 1, 28, 28), 10, b)
    elif name == "gpt":
        model = models.gpt(lib, cfg["vocab"], cfg["d"], cfg["heads"], cfg["layers"], cfg["seq"])
        x, y = _data((b, cfg["seq"]), cfg["vocab"], b, tokens=True)
    else:
        model = models.gru(lib, cfg["input_size"], cfg["hidden"])
        x, y = _data((b, cfg["seq"], cfg["input_size"]), 10, b)
    if name in ("mlp", "cnn"):
        opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    else:
        opt = lib.optim.Adam(model.parameters(), lr=1e-3)

    def loss(logits, target):
        return lib.F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1))
    return model, opt, x, y, loss


def _step(name: str, system: str) -> Callable[[bool], Case]:
    def build(quick: bool) -> Case:
        lib = models.library(system)
        lib.seed(0)
        model, opt, x, y, loss_fn = _setup(name, lib, SIZES[name][1 if quick else 0])
        xs, ys = lib.from_numpy(x), lib.from_numpy(y)

        def run():
            opt.zero_grad()
            loss = loss_fn(model(xs), ys)
            loss.backward()
            opt.step()
        return Case(run, float(len(x)), keep=(model, opt))
    return build


def _builders(name: str) -> dict:
    return {s: _step(name, s) for s in ("wonderland", "torch")}


WORKLOADS = [
    Workload("mlp", "steps", "MLP 784-512-512-10 step, batch 128, SGD", _builders("mlp"),
             target=Target(1.0), memory=True),
    Workload("cnn", "steps", "CNN conv32-conv64-linear step, batch 128, SGD", _builders("cnn"),
             target=Target(1.0), memory=True),
    Workload("gpt", "steps", "GPT 4 layers d128 4 heads seq 64 step, batch 32, Adam",
             _builders("gpt"), target=Target(1.0), memory=True),
    Workload("gru", "steps", "GRU in 32 hidden 128 seq 50 step, batch 64, Adam",
             _builders("gru"), memory=True),
]
