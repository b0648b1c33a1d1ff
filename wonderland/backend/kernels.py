"""Compiled kernels that a backend may run in place of a primitive's NumPy forward.

A kernel is registered for one device type and one primitive class; bind() calls
kernel(prim, *arrays) instead of prim.forward(xp, *arrays). A kernel returns NotImplemented
for inputs it does not handle (a dtype, a layout), and the primitive's own forward runs, so the
NumPy forward stays the reference that every kernel is tested against. The CPU kernels are
written with numba (the `fast` extra) where NumPy's single thread is the wall; set
WONDERLAND_KERNELS=0 to run without them."""
from __future__ import annotations

import os
from collections.abc import Callable

_KERNELS: dict[str, dict[type | str, Callable]] = {}

# Kernels that are no primitive's forward are named: Adam's one-pass step
# (backend/cpu_kernels/optimizers.py), which its in-place path looks up and may run.
ADAM_STEP = "adam_step"


def register_kernel(device_type: str, primitive: type | str, kernel: Callable) -> None:
    _KERNELS.setdefault(device_type, {})[primitive] = kernel


def registered(device_type: str) -> dict[type | str, Callable]:
    """The live table of a device type's kernels, whatever the switch says."""
    return _KERNELS.setdefault(device_type, {})


def kernels_for(device_type: str) -> dict[type | str, Callable]:
    """primitive class -> kernel for a device type (empty when kernels are switched off)."""
    if os.environ.get("WONDERLAND_KERNELS", "1") == "0":
        return {}
    if device_type == "cpu":
        from . import cpu_kernels

        cpu_kernels.load()
    return registered(device_type)  # the live table: later registrations count
