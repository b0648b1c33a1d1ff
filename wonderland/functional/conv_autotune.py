"""Which algorithm runs a 3x3 stride-1 convolution, chosen by measurement. With
`wl.backends.cudnn.benchmark = True` (PyTorch's switch for "time the convolution algorithms
and keep the fastest", which it applies on cuDNN) the first conv2d of each shape times the
im2col convolution against Winograd's F(2x2, 3x3) (functional/winograd.py), forward and
backward, and later calls of that shape run the faster. F(4x4, 3x3) is left out: its float32
error is ten times the others' (docs/benchmarks.md), a difference a switch about speed should
not bring. Off by default, as PyTorch's."""
from __future__ import annotations

import time

import numpy as np

from .. import backends
from ..core.tensor import Tensor

__all__ = ["choices", "choose", "reset"]

REPEATS = 3
_chosen: dict[tuple, str] = {}
_timings: dict[tuple, dict[str, float]] = {}


def choices() -> dict[tuple, dict[str, float]]:
    """Seconds (best of REPEATS, forward and backward) per algorithm, for each shape timed:
    key (input shape, weight shape, dtype name, padding)."""
    return {k: dict(v) for k, v in _timings.items()}


def reset() -> None:
    """Forget the choices (they are remade on the next calls)."""
    _chosen.clear()
    _timings.clear()


def choose(x: Tensor, weight: Tensor, stride, pairs, dilation, groups: int) -> str:
    """'im2col' or 'winograd' for conv2d of x (N, C, H, W) with weight, at this geometry."""
    if not backends.cudnn.benchmark or not _eligible(x, weight, stride, pairs, dilation, groups):
        return "im2col"
    key = (tuple(x.shape), tuple(weight.shape), x.dtype.name, pairs[0][0])
    if key not in _chosen:
        _chosen[key] = "im2col"  # meanwhile: the timing's own conv2d calls run im2col
        _timings[key] = _time(x, weight, pairs[0][0])
        _chosen[key] = min(_timings[key], key=_timings[key].get)
    return _chosen[key]


def _eligible(x, weight, stride, pairs, dilation, groups) -> bool:
    return (x.ndim == 4 and tuple(weight.shape[2:]) == (3, 3) and tuple(stride) == (1, 1)
            and tuple(dilation) == (1, 1) and groups == 1 and x.device.type == "cpu"
            and x.dtype.name in ("float32", "float64") and pairs[0] == pairs[1]
            and pairs[0][0] == pairs[0][1])


def _time(x: Tensor, weight: Tensor, padding: int) -> dict[str, float]:
    """Best-of-REPEATS seconds of each algorithm on fresh tensors of the same shapes (off the
    caller's graph)."""
    from ..autograd import grad
    from ..core.grad_mode import enable_grad
    from ..ops import tensor
    from .conv import conv2d
    from .winograd import conv2d_winograd

    rng = np.random.default_rng(0)
    dtype = np.dtype(x.dtype.name)

    def fresh(shape):
        return tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)

    a, w = fresh(x.shape), fresh(weight.shape)
    runs = {"im2col": lambda: conv2d(a, w, padding=padding),
            "winograd": lambda: conv2d_winograd(a, w, padding=padding, tile=2)}
    seconds = {}
    with enable_grad():
        for name, run in runs.items():
            best = float("inf")
            for _ in range(REPEATS + 1):  # the first one warms up
                start = time.perf_counter()
                y = run()
                grad(y, [a, w], tensor(np.ones(y.shape, dtype)))
                best = min(best, time.perf_counter() - start)
            seconds[name] = best
    return seconds
