"""float16 computes in float32 and rounds once, as PyTorch's CPU kernels do: float16 arithmetic
would round at every step and overflow (65504) in intermediates the result never reaches (a
variance, a sum, exp(12)). Decorators for a primitive's forward, a backend kernel and a
composite of ops."""
from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from ..core import dtype as dt
from ..core.tensor import Tensor


def _in_float32(run: Callable, first, arrays) -> object:
    """run(first, *arrays) with the float16 ('e') arrays as float32 and a float32 result
    rounded to float16 (NotImplemented, from a kernel that declines, passes through)."""
    out = run(first, *[a.astype(np.float32) if a.dtype.char == "e" else a for a in arrays])
    if out is NotImplemented or out.dtype != np.float32:
        return out
    with np.errstate(over="ignore"):  # beyond 65504 rounds to inf, as in PyTorch
        return out.astype(np.float16)


def float32_inside(forward: Callable) -> Callable:
    """A primitive's forward(self, xp, *arrays) that computes float16 inputs in float32."""

    @functools.wraps(forward)
    def wrapped(self, xp, *arrays):
        for a in arrays:  # runs at every call: the common case costs a look at each dtype
            if a.dtype.char == "e":
                return _in_float32(lambda s, *wide: forward(s, xp, *wide), self, arrays)
        return forward(self, xp, *arrays)

    return wrapped


def float32_kernel(kernel: Callable) -> Callable:
    """A backend kernel(prim, *arrays) that takes float16 inputs by computing in float32, so it
    equals a forward decorated with float32_inside."""

    @functools.wraps(kernel)
    def wrapped(prim, *arrays):
        for a in arrays:
            if a.dtype.char == "e":
                return _in_float32(kernel, prim, arrays)
        return kernel(prim, *arrays)

    return wrapped


def in_float32(fn: Callable) -> Callable:
    """A composite of ops that, when every floating tensor argument is float16, runs on float32
    copies and casts its result back once: its backward then runs in float32 too. (Mixed
    dtypes promote to float32 anyway.)"""

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        floats = [a.dtype for a in (*args, *kwargs.values())
                  if isinstance(a, Tensor) and a.is_floating_point]
        if not floats or any(d is not dt.float16 for d in floats):
            return fn(*args, **kwargs)
        from .unary import cast

        def widen(a):
            return cast(a, dt.float32) if isinstance(a, Tensor) and a.dtype is dt.float16 else a

        out = fn(*map(widen, args), **{k: widen(v) for k, v in kwargs.items()})
        return cast(out, dt.float16) if isinstance(out, Tensor) and out.dtype is dt.float32 \
            else out

    return wrapped
