"""Devices: where a tensor's memory lives. Each device type maps to a backend (array namespace)."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from ..backend import get_backend


@dataclass(frozen=True)
class Device:
    """A device such as 'cpu' or 'cuda:0'."""

    type: str
    index: int | None = None

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    @property
    def backend(self):
        return get_backend(self.type)

    @functools.cached_property
    def xp(self):
        """The backend's array namespace, looked up once (bind asks for it at every op)."""
        return self.backend.xp

    @functools.cached_property
    def kernels(self) -> dict:
        """primitive class -> compiled kernel run in place of its forward (backend/kernels.py)."""
        from ..backend.kernels import kernels_for

        return kernels_for(self.type)

    def __reduce__(self):
        # pickle and copy by name: the cached namespace (a module) is no part of a device
        return Device, (self.type, self.index)


cpu = Device("cpu")


def as_device(d) -> Device:
    """Accept a Device or a string such as 'cpu' or 'cuda:1'."""
    if isinstance(d, Device):
        return d
    if d is None:
        return cpu
    if isinstance(d, str):
        kind, _, idx = d.partition(":")
        get_backend(kind)  # raises a clear error for an unknown device type
        if kind == "cpu":
            return cpu
        if idx and not idx.isdigit():
            raise ValueError(f"bad device index in {d!r}: expected a form such as 'cuda:0'")
        return Device(kind, int(idx) if idx else 0)
    raise TypeError(f"expected a device such as 'cpu' or 'cuda:0', got {d!r}")
