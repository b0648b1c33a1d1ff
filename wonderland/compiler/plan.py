"""A traced function as a plan: the steps its outputs need (the rest dropped), the slot each
step's output goes to, and after which step each array is last read, so that a replay lets go
of every intermediate as soon as it can. Replaying runs each primitive's forward (or the
device's kernel for it) on arrays: no tensors, no tape, no checks, nothing else of bind's."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.primitive import run_forward
from ..core.tensor import Tensor
from . import fuse
from .trace import Recorder, Step


@dataclass
class Plan:
    steps: list  # Steps, and FusedChains of them (fuse.py)
    n_inputs: int
    captured: dict[int, Tensor]  # slot -> tensor whose array is read at each replay
    outputs: list[int]  # the slots of the output leaves
    devices: list  # slot -> device
    frees: list[tuple[int, ...]]  # after step i, the slots no later step or output reads

    @classmethod
    def from_trace(cls, recorder: Recorder, outputs: list[Tensor]) -> Plan:
        out_slots = [recorder.slot_of(t) for t in outputs]
        needed = set(out_slots)
        kept = []
        for step in reversed(recorder.steps):  # only what an output depends on
            if step.output in needed:
                kept.append(step)
                needed.update(step.inputs)
        kept.reverse()
        if fuse.available():
            kept = _fused(kept, recorder, out_slots)
        last_read: dict[int, int] = {}
        for i, step in enumerate(kept):
            for slot in step.inputs:
                last_read[slot] = i
        frees: list[list[int]] = [[] for _ in kept]
        for slot, i in last_read.items():
            if slot not in out_slots and slot >= recorder.n_inputs:
                frees[i].append(slot)
        captured = {s: t for s, t in recorder.captured.items() if s in needed}
        return cls(kept, recorder.n_inputs, captured, out_slots, recorder.devices,
                   [tuple(f) for f in frees])

    def replay(self, inputs: list[Tensor]) -> list[Tensor]:
        """The outputs for new arguments of the traced signature."""
        env: list = [None] * len(self.devices)
        for i, t in enumerate(inputs):
            env[i] = t._data
        for slot, t in self.captured.items():
            env[slot] = t._data  # read now: a parameter may have changed since the trace
        for step, frees in zip(self.steps, self.frees):
            if step.__class__ is Step:
                env[step.output] = run_forward(step.prim, step.device,
                                               [env[s] for s in step.inputs])[0]
            else:
                step.run(env)
            for slot in frees:
                env[slot] = None
        return [Tensor._make(env[s], self.devices[s]) for s in self.outputs]

    def __len__(self) -> int:
        return sum(len(s.steps) if hasattr(s, "steps") else 1 for s in self.steps)

    def fused(self) -> int:
        """How many fused chains the plan runs."""
        return sum(1 for s in self.steps if s.__class__ is not Step)


def _fused(steps: list[Step], recorder: Recorder, out_slots: list[int]) -> list:
    """The steps with their elementwise chains fused (fuse.py), from the traced arrays."""
    shapes = {i: t._data.shape for i, t in enumerate(recorder.tensors)}
    dtypes = {i: t._data.dtype for i, t in enumerate(recorder.tensors)}
    read_after: dict[int, int] = {}
    for i, step in enumerate(steps):
        for slot in step.inputs:
            read_after[slot] = i
    return fuse.fuse(steps, shapes, dtypes, read_after, set(out_slots))


__all__ = ["Plan"]
