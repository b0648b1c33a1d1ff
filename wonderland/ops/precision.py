"""float16 and bfloat16 compute in float32 and round once, as PyTorch's CPU kernels do: float16
arithmetic would round at every step and overflow (65504) in intermediates the result never
reaches (a variance, a sum, exp(12)); NumPy sums bfloat16 (ml_dtypes) in bfloat16, 8 bits, and
multiplies its matrices into float32. Decorators for a primitive's forward, a backend kernel and
a composite of ops."""
from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from ..core import dtype as dt
from ..core.tensor import Tensor

# the dtype characters of the half-width floats: float16 ('e') and ml_dtypes' bfloat16 ('E')
LOW = "eE"


def _in_float32(run: Callable, first, arrays) -> object:
    """run(first, *arrays) with the float16 and bfloat16 arrays as float32 and a float32 result
    rounded once to theirs (NotImplemented, from a kernel that declines, passes through). With
    float16 and bfloat16 mixed the result stays float32 (their promotion, as in PyTorch)."""
    low = {a.dtype for a in arrays if a.dtype.char in LOW}
    out = run(first, *[a.astype(np.float32) if a.dtype.char in LOW else a for a in arrays])
    if out is NotImplemented or out.dtype != np.float32 or len(low) != 1:
        return out
    with np.errstate(over="ignore"):  # beyond 65504 rounds to inf, as in PyTorch
        return out.astype(low.pop())


def float32_inside(forward: Callable) -> Callable:
    """A primitive's forward(self, xp, *arrays) that computes float16 and bfloat16 inputs in
    float32."""

    @functools.wraps(forward)
    def wrapped(self, xp, *arrays):
        for a in arrays:  # runs at every call: the common case costs a look at each dtype
            if a.dtype.char in LOW:
                return _in_float32(lambda s, *wide: forward(s, xp, *wide), self, arrays)
        return forward(self, xp, *arrays)

    return wrapped


def float32_kernel(kernel: Callable) -> Callable:
    """A backend kernel(prim, *arrays) that takes float16 and bfloat16 inputs by computing in
    float32, so it equals a forward decorated with float32_inside."""

    @functools.wraps(kernel)
    def wrapped(prim, *arrays):
        for a in arrays:
            if a.dtype.char in LOW:
                return _in_float32(kernel, prim, arrays)
        return kernel(prim, *arrays)

    return wrapped


def in_float32(fn: Callable) -> Callable:
    """A composite of ops that, when every floating tensor argument is float16 (or every one is
    bfloat16), runs on float32 copies and casts its result back once: its backward then runs in
    float32 too. (Mixed dtypes promote to float32 anyway.)"""

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        floats = {a.dtype for a in (*args, *kwargs.values())
                  if isinstance(a, Tensor) and a.is_floating_point}
        low = floats.pop() if len(floats) == 1 else None
        if low is not dt.float16 and low is not dt.bfloat16:
            return fn(*args, **kwargs)
        from .unary import cast

        def widen(a):
            return cast(a, dt.float32) if isinstance(a, Tensor) and a.dtype is low else a

        out = fn(*map(widen, args), **{k: widen(v) for k, v in kwargs.items()})
        return cast(out, low) if isinstance(out, Tensor) and out.dtype is dt.float32 else out

    return wrapped
