"""What ops do under wl.amp.autocast (its state lives in core/autocast.py), as PyTorch's autocast:
the matmul-like functions (matmul and @, mm, bmm, addmm, baddbmm, linear, conv, conv_transpose,
einsum, scaled_dot_product_attention) cast their floating inputs other than float64 to the
autocast dtype, and the losses PyTorch lists cast half-width inputs to float32; other ops follow
their inputs' promotion. Backward is untouched: each cast's vjp brings a gradient back to its
input's dtype. One difference: nn.LSTM stays float32 (PyTorch's CPU LSTM gives bfloat16)."""
from __future__ import annotations

import functools
from collections.abc import Callable

from ..core import autocast as state
from ..core import dtype as dt
from ..core.tensor import Tensor
from .unary import cast

_HALF = (dt.float16, dt.bfloat16)


def _lower(x):
    if isinstance(x, Tensor) and x.is_floating_point and x.dtype is not dt.float64:
        on, low = state.get(x.device.type)
        if on and x.dtype is not low:
            return cast(x, low)
    return x


def _widen(x):
    if isinstance(x, Tensor) and x.dtype in _HALF and state.get(x.device.type)[0]:
        return cast(x, dt.float32)
    return x


def _policy(convert: Callable) -> Callable:
    def decorator(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            if not state._on:  # autocast is off everywhere: one global read
                return fn(*args, **kwargs)
            return fn(*map(convert, args), **{k: convert(v) for k, v in kwargs.items()})

        return wrapped

    return decorator


# a function whose floating tensor arguments (float64 aside) compute in the autocast dtype
lower_precision = _policy(_lower)
# a function (a loss) whose float16 and bfloat16 tensor arguments compute in float32
float32_precision = _policy(_widen)
