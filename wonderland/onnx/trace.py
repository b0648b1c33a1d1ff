"""One forward pass recorded as the primitives it binds: each entry is (primitive, inputs,
output), in the order they ran. bind() shows an op's output only to its anomaly monitor
(core/primitive.py's `_anomaly`, called with the inputs and the output of every bind), so the
recorder takes that slot for the pass and hands every call on to the monitor it replaced."""
from __future__ import annotations

from collections.abc import Callable

from ..core import primitive
from ..core.primitive import Primitive
from ..core.tensor import Tensor


class Recorder:
    """While entered, notes (prim, inputs, output) of every bind on the plain path (no jvp or
    vmap open), and copies of the values each input and the output had then (an in-place op
    may change them later). The tensors are kept, so their ids stay unique while the record is
    read."""

    def __init__(self) -> None:
        self.ops: list[tuple[Primitive, tuple[Tensor, ...], Tensor]] = []
        self.values: list[tuple[tuple, object]] = []  # (inputs' values, output's value) per op
        self._outer = None

    def __enter__(self) -> Recorder:
        self._outer = primitive._anomaly
        primitive._anomaly = self
        return self

    def __exit__(self, *exc) -> bool:
        primitive._anomaly = self._outer
        return False

    @property
    def check_nan(self) -> bool:  # what anomaly mode's questions read, while the slot is ours
        return bool(self._outer is not None and self._outer.check_nan)

    def after(self, prim: Primitive, xs: tuple[Tensor, ...], out: Tensor) -> None:
        self.ops.append((prim, xs, out))
        self.values.append((tuple(x._data.copy() for x in xs), out._data.copy()))
        if self._outer is not None:
            self._outer.after(prim, xs, out)

    def at_level(self, prim: Primitive, xs, level: int, bind_at_level: Callable) -> Tensor:
        # inside jvp or vmap: not a forward pass that an exported graph could stand for
        raise NotImplementedError(f"onnx.export: {prim.name} ran inside a jvp or vmap "
                                  f"transform; export the plain model")


def record(fn: Callable, args: tuple) -> tuple[Recorder, object]:
    """Run fn(*args) with the recorder on: (the record, fn's result)."""
    with Recorder() as rec:
        out = fn(*args)
    return rec, out
