"""Devices: where a tensor's memory lives. Each device type maps to a backend (array namespace).

A device object can name any device type PyTorch knows (`wl.device("cuda:1")` is fine without a
GPU, as in PyTorch); putting a tensor there needs that type's backend, and asking for a missing
one raises an error that says what to do. Nothing ever moves between devices silently."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from ..backend import available, get_backend

# PyTorch's device types: a device object may name any of them (or a registered backend)
KNOWN_TYPES = ("cpu", "cuda", "mps", "xpu", "hip", "meta", "xla", "hpu", "mtia", "ipu", "mkldnn",
               "ve", "fpga", "maia", "lazy", "vulkan", "opengl", "opencl", "ideep",
               "privateuseone")


@dataclass(frozen=True)
class Device:
    """A device such as 'cpu' or 'cuda:0': wl.device('cuda'), wl.device('cuda:1'),
    wl.device('cuda', 1) or wl.device(other_device), compared and hashed as in PyTorch
    (device('cuda') != device('cuda:0'); a device never equals a string)."""

    type: str
    index: int | None = None

    def __post_init__(self):
        if isinstance(self.type, Device):  # wl.device(existing_device)
            kind, index = self.type.type, self.type.index
        elif isinstance(self.type, str):
            kind, index = _parse(self.type, self.index)
        else:
            raise TypeError(f"device: expected a string such as 'cpu' or 'cuda:0' or a device, "
                            f"got {self.type!r}")
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "index", index)

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


def _parse(text: str, index: int | None) -> tuple[str, int | None]:
    """'cuda:1' -> ('cuda', 1); the errors are PyTorch's (RuntimeError naming the string)."""
    kind, colon, idx = text.partition(":")
    if kind not in KNOWN_TYPES and kind not in available():
        raise RuntimeError(f"device type '{kind}' is not available: expected one of "
                           f"{', '.join(KNOWN_TYPES)} at the start of device string {text!r}; "
                           f"available here: {sorted(available())}")
    if colon:
        if not idx.isdigit() or index is not None:
            raise RuntimeError(f"invalid device string {text!r}: bad device index (expected a "
                               f"form such as 'cuda:0', or wl.device('cuda', 0))")
        return kind, int(idx)
    if index is not None and (not isinstance(index, int) or index < 0):
        raise RuntimeError(f"device index must be a non-negative integer, got {index!r}")
    return kind, index


cpu = Device("cpu")


def no_backend_message(kind: str) -> str:
    """What to say when a program asks for a device type whose backend is not here."""
    if kind in ("cuda", "mps", "xpu", "hip"):
        return (f"device type '{kind}' is not available: wonderland has no GPU backend on this "
                f"machine (wl.cuda.is_available() is False) and computes on the CPU with NumPy; "
                f"choose the device as PyTorch programs do, e.g. "
                f"device = 'cuda' if wl.cuda.is_available() else 'cpu'")
    return f"device type '{kind}' is not available here; available: {sorted(available())}"


def require_backend(kind: str) -> None:
    """Raise a RuntimeError that says what to do unless device type `kind` has a backend."""
    if kind != "cpu" and kind not in available():
        try:
            get_backend(kind)
        except RuntimeError:
            raise RuntimeError(no_backend_message(kind)) from None


def as_device(d) -> Device:
    """Accept a Device or a string such as 'cpu' or 'cuda:1' for a device whose backend is
    available here ('cuda' means 'cuda:0'); a missing backend raises, naming what to do."""
    if d is None or d is cpu:
        return cpu
    if isinstance(d, Device):
        require_backend(d.type)
        return cpu if d.type == "cpu" else d
    if isinstance(d, str):
        device = Device(d)
        require_backend(device.type)
        if device.type == "cpu":
            return cpu
        return device if device.index is not None else Device(device.type, 0)
    raise TypeError(f"expected a device such as 'cpu' or 'cuda:0', got {d!r}")


def cuda_device(device=None) -> Device:
    """The device of Tensor.cuda(device) and Module.cuda(device): 'cuda' (its current GPU) when
    None, 'cuda:i' for an index i; raises, naming what to do, without a GPU backend."""
    if device is None:
        return as_device("cuda")
    return as_device(f"cuda:{device}" if isinstance(device, int) else device)
