"""wl.accelerator: PyTorch's device-neutral questions about the accelerator (a GPU). Without a
GPU backend there is none: is_available() is False, current_accelerator() None, device_count() 0."""
from __future__ import annotations

from .backend import available
from .core.device import Device

__all__ = ["is_available", "current_accelerator", "device_count", "synchronize"]

_ACCELERATORS = ("cuda", "mps", "xpu", "hip")


def current_accelerator(check_available: bool = False) -> Device | None:
    """The accelerator's device type as a device (device(type='cuda')), or None when this
    machine has no accelerator backend."""
    kinds = [k for k in _ACCELERATORS if k in available()]
    return Device(kinds[0]) if kinds else None


def is_available() -> bool:
    """Whether an accelerator (a GPU backend) is there to use."""
    return current_accelerator() is not None


def device_count() -> int:
    """How many accelerator devices there are: 0 without one (one device when there is)."""
    return 1 if is_available() else 0


def synchronize(device=None) -> None:
    """Wait for the accelerator's queued work: nothing runs asynchronously here, a no-op."""
