"""A traced function as a plan: the steps its outputs need (the rest dropped), the slot each
step's output goes to, and after which step each array is last read, so that a replay lets go
of every intermediate as soon as it can. Replaying runs each primitive's forward (or the
device's kernel for it) on arrays: no tensors, no tape, no checks, nothing else of bind's."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.primitive import run_forward
from ..core.tensor import Tensor
from .trace import Recorder, Step


@dataclass
class Plan:
    steps: list[Step]
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
            env[step.output] = run_forward(step.prim, step.device,
                                           [env[s] for s in step.inputs])[0]
            for slot in frees:
                env[slot] = None
        return [Tensor._make(env[s], self.devices[s]) for s in self.outputs]

    def __len__(self) -> int:
        return len(self.steps)


__all__ = ["Plan"]
