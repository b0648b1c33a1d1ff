"""The autocast state, per device type, that wl.amp.autocast sets and the ops read
(ops/autocast.py says what each op does under it). The state is the process's (PyTorch keeps
one a thread)."""
from __future__ import annotations

from ..backend import available
from . import dtype as dt

_DEFAULTS = {"cpu": dt.bfloat16, "cuda": dt.float16}
_state: dict[str, tuple[bool, dt.DType]] = {}
_on = False  # whether any device type has autocast on: the ops' only cost when none has


def default_dtype(device_type: str) -> dt.DType:
    """PyTorch's: bfloat16 on the CPU, float16 on GPUs."""
    return _DEFAULTS.get(device_type, dt.float16)


def available_types() -> list[str]:
    """The device types with a backend here: autocast and GradScaler disable themselves on the
    others, as PyTorch's do without CUDA."""
    return ["cpu", *available()]


def get(device_type: str) -> tuple[bool, dt.DType]:
    """(enabled, dtype) for a device type."""
    return _state.get(device_type, (False, default_dtype(device_type)))


def set(device_type: str, enabled: bool, dtype: dt.DType) -> None:  # noqa: A001
    global _on
    _state[device_type] = (enabled, dtype)
    _on = any(on for on, _ in _state.values())

