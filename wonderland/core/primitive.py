"""The Primitive base class, the registry of primitives, and bind(): running one on tensors.

A primitive holds three rules side by side: `forward` on raw arrays through the namespace `xp`,
and `vjp` / `jvp` written with wonderland's own ops so that they can be differentiated again.
bind() runs forward, records a tape node for reverse mode, and carries forward-mode tangents."""
from __future__ import annotations

from typing import ClassVar

from . import inplace, levels
from .dtype import is_floating_np
from .grad_mode import is_grad_enabled
from .tensor import Node, Tensor

REGISTRY: dict[str, type[Primitive]] = {}


class Primitive:
    """Base of every primitive. Subclasses are frozen dataclasses whose fields are op parameters.

    vjp(g, y, *xs) returns one cotangent (or None) per input; an input that does not require
    grad may get None, and rules may look at `x.requires_grad` to skip work for constants.
    jvp(t, y, *xs) gets one tangent per input (zeros where an input has none, None for inputs
    that are not floating point) and returns the output's tangent."""

    differentiable: ClassVar[bool] = True
    moves_data: ClassVar[bool] = False  # whether output_device can differ from the inputs'

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):
            if cls.__name__ in REGISTRY:
                raise TypeError(f"two primitives are named {cls.__name__}")
            REGISTRY[cls.__name__] = cls

    @property
    def name(self) -> str:
        return type(self).__name__

    def forward(self, xp, *xs):
        raise NotImplementedError

    def vjp(self, g, y, *xs):
        raise NotImplementedError(f"{self.name} has no vjp rule")

    def jvp(self, t, y, *xs):
        raise NotImplementedError(f"{self.name} has no jvp rule")

    def batch(self, xs, bdims):
        """vmap's rule: (xs with batch dims at bdims, None where unbatched) -> (y, y's bdim)."""
        raise NotImplementedError(f"vmap: primitive {self.name} has no batching rule")

    def output_device(self, device):
        """Where the output lives: with the inputs, except for primitives that move data."""
        return device

    def __call__(self, *xs: Tensor) -> Tensor:
        return bind(self, *xs)


def bind(prim: Primitive, *xs: Tensor) -> Tensor:
    """Apply a primitive to tensors: forward, then the tape node, then any tangents."""
    # Every op of every step passes through here, so the common case (no transform open, CPU,
    # nothing watching) is kept to a few attribute reads; each test below says what it skips.
    if levels._kinds:  # some jvp or vmap is open: see whether an input belongs to it
        level = levels.top_level(xs)
        if level is not None:
            if _anomaly is not None:  # anomaly mode checks the op as a whole, tangents included
                return _anomaly.at_level(prim, xs, level, _bind_at_level)
            return _bind_at_level(prim, xs, level)
    device = xs[0]._device
    for x in xs:
        if x._device is not device and x._device != device:
            raise RuntimeError(f"{prim.name}: expected all tensors on one device, "
                               f"got {device} and {x._device}")
    if _observers:
        for hook in _observers:
            hook(prim, xs)
    data, device = run_forward(prim, device, [x._data for x in xs])
    out = Tensor._make(data, device)
    if prim.differentiable and is_floating_np(data.dtype) and is_grad_enabled():
        for x in xs:
            if x._requires_grad:
                out._requires_grad = True
                out._node = Node(prim, xs)
                if inplace._seen:  # versions exist only once an in-place op has run
                    out._node.versions = inplace.node_versions(xs, out)
                break
    if _anomaly is not None:  # anomaly mode (autodiff/anomaly.py): check values, note the caller
        _anomaly.after(prim, xs, out)
    if _tracer is not None:  # wl.compile is recording (compile/trace.py)
        _tracer.record(prim, xs, out)
    return out


def run_forward(prim: Primitive, device, arrays: list):
    """(output array, its device): the device's compiled kernel for prim when one is
    registered and takes these arrays, else prim's forward. bind's work without the tape, which
    wl.compile's replay shares."""
    kernels = device.kernels  # compiled replacements of some forwards (backend/kernels.py)
    kernel = kernels.get(prim.__class__) if kernels else None
    data = NotImplemented if kernel is None else kernel(prim, *arrays)
    if data is NotImplemented:  # no kernel, or one that declines these inputs
        data = prim.forward(device.xp, *arrays)
    if prim.moves_data:
        device = prim.output_device(device)
    xp = device.xp
    if data.__class__ is not xp.ndarray:  # NumPy returns scalars, not 0-d arrays, from 0-d math
        data = xp.asarray(data)
    return data, device


def _bind_at_level(prim: Primitive, xs, level: int) -> Tensor:
    if levels.kind(level) == "batch":
        return batching.bind_batched(prim, xs, level)
    return dual.bind_at_level(prim, xs, level)


# Functions called with (prim, inputs) at every bind: used by tests to see which primitives a
# computation runs.
_observers: list = []
# Anomaly mode's monitor while it is on (wonderland.autodiff.anomaly), else None: the only cost
# of anomaly detection when it is off is this one test per bind.
_anomaly = None
# wl.compile's recorder while it traces a function (wonderland.compile.trace), else None.
_tracer = None


from . import batching, dual  # noqa: E402  (both need bind and Primitive defined above)
