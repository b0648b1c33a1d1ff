"""The autocast state, per device type, that wl.amp.autocast sets and the ops read.

On the CPU, as in PyTorch's CPU autocast, the matmul-like ops (matmul, mm, bmm, linear/affine,
conv) cast their float32 inputs to the autocast dtype (bfloat16 by default) and return that
dtype; float64 inputs and every other op are left alone (their results promote as usual)."""
from __future__ import annotations

from . import dtype as dt

_DEFAULTS = {"cpu": dt.bfloat16, "cuda": dt.float16}
_state: dict[str, tuple[bool, dt.DType]] = {}
_on = False  # whether any device type has autocast on: the ops' only cost when none has


def default_dtype(device_type: str) -> dt.DType:
    return _DEFAULTS.get(device_type, dt.float16)


def available_types() -> list[str]:
    from ..backend import available

    return ["cpu", *available()]


def get(device_type: str) -> tuple[bool, dt.DType]:
    """(enabled, dtype) for a device type."""
    return _state.get(device_type, (False, default_dtype(device_type)))


def set(device_type: str, enabled: bool, dtype: dt.DType) -> None:  # noqa: A001
    global _on
    _state[device_type] = (enabled, dtype)
    _on = any(on for on, _ in _state.values())

