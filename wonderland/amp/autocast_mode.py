"""wl.amp.autocast (also wl.autocast): PyTorch's mixed-precision context, as a context manager or
a decorator. It sets the state in core/autocast.py; ops/autocast.py says what the ops do under
it."""
from __future__ import annotations

import functools
import warnings
from collections.abc import Callable

from ..core import autocast as state
from ..core import dtype as dt
from ..core.device import Device

__all__ = ["autocast", "is_autocast_enabled", "get_autocast_dtype"]

_SUPPORTED = {"cpu": (dt.bfloat16, dt.float16), "cuda": (dt.float16, dt.bfloat16)}


class autocast:  # noqa: N801  (PyTorch's name)
    """autocast(device_type, dtype=None, enabled=True, cache_enabled=None): inside it, matmul-like
    ops on float32 tensors of `device_type` compute in `dtype` (bfloat16 by default on the CPU,
    float16 on CUDA). As in PyTorch, a device type without a backend here ('cuda' on a machine
    without a GPU) or an unsupported dtype warns and disables it; enabled=False passes through."""

    def __init__(self, device_type: str, dtype=None, enabled: bool = True,
                 cache_enabled: bool | None = None):
        if not isinstance(device_type, str):
            raise ValueError(f"autocast: expected device_type as a string such as 'cpu' or "
                             f"'cuda', got {type(device_type).__name__}")
        self.device = Device(device_type).type  # an unknown type raises PyTorch's error
        self.fast_dtype = state.default_dtype(self.device) if dtype is None else \
            dt.as_dtype(dtype)
        self._enabled = bool(enabled)
        if self._enabled and self.device not in state.available_types():
            warnings.warn(f"User provided device_type of '{self.device}', but it is not "
                          f"available (no backend for it here). Disabling autocast.",
                          UserWarning, stacklevel=2)
            self._enabled = False
        if self._enabled and self.fast_dtype not in _SUPPORTED.get(self.device, ()):
            names = ", ".join(f"wonderland.{d.name}" for d in _SUPPORTED.get(self.device, ()))
            warnings.warn(f"In {self.device} autocast, but the target dtype "
                          f"{self.fast_dtype.name} is not supported. Disabling autocast. "
                          f"{self.device} autocast supports {names or 'no dtype'}.",
                          UserWarning, stacklevel=2)
            self._enabled = False
        self._saved = None

    def __enter__(self) -> autocast:
        self._saved = state.get(self.device)
        state.set(self.device, self._enabled, self.fast_dtype)
        return self

    def __exit__(self, *exc) -> None:
        state.set(self.device, *self._saved)

    def __call__(self, fn: Callable) -> Callable:
        """As a decorator: fn runs inside this autocast."""

        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with autocast(self.device, self.fast_dtype, self._enabled):
                return fn(*args, **kwargs)

        return wrapped


def is_autocast_enabled(device_type: str = "cuda") -> bool:
    """Whether autocast is on for device_type (PyTorch's default asks about 'cuda')."""
    return state.get(Device(device_type).type)[0]


def get_autocast_dtype(device_type: str) -> dt.DType:
    """The dtype autocast computes in for device_type."""
    return state.get(Device(device_type).type)[1]
