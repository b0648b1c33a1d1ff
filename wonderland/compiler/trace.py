"""Tracing for wl.compile: run a function once, eagerly, and record every primitive it binds
(backward passes and optimizer arithmetic included, since they bind primitives too) as a list
of steps over numbered array slots. The traced call runs exactly as it would untraced; what a
list of primitives could not replay is noted as the reason to keep the function eager: reading
a tensor's values into Python, calling backward(), drawing random numbers, writing into a
tensor in place or into one it did not create, or a tensor whose values came from another's
by a path outside the primitives."""
from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ..core import inplace, primitive
from ..core import random as wl_random
from ..core.tensor import Tensor


@dataclass(frozen=True)
class Step:
    """One recorded bind: prim applied to the arrays in slots `inputs`, into slot `output`."""

    prim: object
    inputs: tuple[int, ...]
    output: int
    device: object  # where its inputs are: which kernels may run it


class Recorder:
    """Numbers every array the traced function touches: slots 0..n-1 are its tensor arguments;
    a tensor it did not receive and no step produced (a parameter, a constant) is captured by
    reference and read afresh at each replay; every bind adds a Step."""

    def __init__(self, inputs: list[Tensor]) -> None:
        self.slots: dict[int, int] = {}  # id(tensor) -> slot
        self.by_array: dict[int, int] = {}  # id(array) -> slot, to see through detach()
        self.keep: list = []  # every traced tensor stays alive: ids are not reused meanwhile
        self.tensors: list[Tensor] = []  # slot -> the tensor first seen in it
        self.devices: list = []  # slot -> the device of its array
        self.steps: list[Step] = []
        self.captured: dict[int, Tensor] = {}  # slot -> a tensor read afresh at each replay
        self.computed: list[Tensor] = []  # the arguments and every step's output
        # the arguments' and captured tensors' values when first seen: a trace must not move them
        self.snapshots: dict[int, np.ndarray] = {}
        self.refused: str | None = None  # the first reason a replay would go wrong
        self.n_inputs = len(inputs)
        for t in inputs:
            slot = self._new_slot(t)
            self.computed.append(t)
            self.snapshots[slot] = np.array(t._data, copy=True)

    def _new_slot(self, t: Tensor) -> int:
        slot = len(self.tensors)
        self.slots[id(t)] = slot
        self.by_array.setdefault(id(t._data), slot)
        self.keep.append(t)
        self.tensors.append(t)
        self.devices.append(t._device)
        return slot

    def slot_of(self, t: Tensor) -> int:
        """t's slot; a tensor seen for the first time holds an array already known (detach,
        a shallow copy) or is captured."""
        slot = self.slots.get(id(t))
        if slot is not None:
            return slot
        slot = self.by_array.get(id(t._data))
        if slot is not None:
            self.slots[id(t)] = slot
            self.keep.append(t)
            return slot
        base = inplace.storage(t._data)
        if any(inplace.storage(known._data) is base for known in self.computed):
            self.refuse(f"a tensor of shape {tuple(t.shape)} shares memory with one the function "
                        f"computed, through no primitive (a view made outside the ops?)")
        slot = self._new_slot(t)
        self.captured[slot] = t
        self.snapshots[slot] = np.array(t._data, copy=True)
        return slot

    def record(self, prim, xs, out: Tensor) -> None:
        inputs = tuple(self.slot_of(x) for x in xs)
        self.steps.append(Step(prim, inputs, self._new_slot(out), xs[0]._device))
        self.computed.append(out)

    def refuse(self, reason: str) -> None:
        """Note why a replay would go wrong (the first reason is kept); the traced call goes
        on eagerly, so that it still does all it does."""
        if self.refused is None:
            self.refused = reason

    def check_unmoved(self) -> None:
        """Refuse a trace that wrote into an argument or a captured tensor by any path (an
        optimizer's step writes parameters without a primitive)."""
        for slot, before in self.snapshots.items():
            now = np.asarray(self.tensors[slot]._data)
            if now.shape != before.shape or not np.array_equal(
                    now, before, equal_nan=before.dtype.kind in "fc"):
                self.refuse(f"it writes into a tensor of shape {tuple(now.shape)} that it did "
                            f"not create (an optimizer's step?): compile a function that "
                            f"returns the new values instead")
                return


# What reads a tensor's values into Python, or writes .grad: Tensor's methods, wrapped while a
# trace runs so that they note the reason and then do their work.
_VALUE_READS = ("numpy", "__array__", "item", "tolist", "__float__", "__int__", "__bool__",
                "__index__", "backward")


@contextmanager
def tracing(recorder: Recorder):
    """Record binds into `recorder` for the block, noting (recorder.refused) what a replay
    could not repeat; the block itself runs as it would untraced."""
    originals = {name: getattr(Tensor, name) for name in _VALUE_READS}

    def noting(name: str, method: Callable) -> Callable:
        reason = ("it calls backward(), which writes .grad outside the primitives: compile a "
                  "function that returns its gradients (wl.func.grad, value_and_grad)"
                  if name == "backward" else
                  f"it reads a tensor's values into Python (Tensor.{name}), so what it does "
                  f"next may depend on them")

        @functools.wraps(method)
        def read(self, *args, **kwargs):
            recorder.refuse(reason)
            return method(self, *args, **kwargs)
        return read

    def bump(t: Tensor) -> None:
        recorder.refuse(f"it writes into a tensor of shape {tuple(t.shape)} in place")
        bump_before(t)

    generators = [(g, g.get_state()) for g in wl_random.all_generators()]
    numpy_state = np.random.get_state()[1].copy()
    bump_before, inplace.bump = inplace.bump, bump
    for name, method in originals.items():
        setattr(Tensor, name, noting(name, method))
    primitive._tracer = recorder
    try:
        yield recorder
    finally:
        primitive._tracer = None
        inplace.bump = bump_before
        for name, method in originals.items():
            setattr(Tensor, name, method)
    if any(g.get_state() != state for g, state in generators) or \
            not np.array_equal(np.random.get_state()[1], numpy_state):
        recorder.refuse("it draws random numbers (dropout, sampling), which a replay would "
                        "repeat instead of drawing anew")


__all__ = ["Recorder", "Step", "tracing"]
