"""Fusion for wl.compile: a chain of elementwise arithmetic steps of a plan becomes one generated
loop, compiled by numba, that reads each input once and writes only the values read after the
chain, instead of one NumPy pass over memory per step.

A chain is a run of consecutive steps of + - * / and negation on arrays of one float dtype and
one shape (at least FUSE_MIN_SIZE elements); a scalar broadcast to that shape (BroadcastTo of a
0-d array: `0.1 * g`) enters as a number. Each value the chain makes and a later step reads is
written out; the others live in registers. The loop does each step's IEEE operation in the
same order as NumPy's passes, without fast-math, so a fused chain gives the same bits as the
steps it replaces. At a replay, inputs that are not C-contiguous or not of the traced shape and
dtype run the steps unfused."""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field

import numpy as np

from ..backend import threads as threads_module
from ..core.primitive import run_forward
from ..ops.binary import Add, Div, Mul, Sub
from ..ops.shape import BroadcastTo
from ..ops.unary import Neg
from .trace import Step

FUSE_MIN_SIZE = 1 << 14  # below this a pass costs less than calling a kernel
SPLIT_MIN_SIZE = 1 << 20  # from here a chain's loop is split over the pool's threads (measured:
# 1M float32 elements 0.38 ms on 2 threads against 0.67 on 1; 256K lost, 0.15 against 0.12)

# the scalar expression of each fusable primitive, in its operands' order
EXPRESSIONS = {Add: "({0} + {1})", Sub: "({0} - {1})", Mul: "({0} * {1})", Div: "({0} / {1})",
               Neg: "(-{0})"}
_kernels: dict[str, object] = {}  # generated source -> compiled kernel (shared by plans)


@dataclass
class FusedChain:
    """Steps run as one generated loop: `arrays` are the slots read elementwise, `scalars` the
    0-d slots read as numbers, `outputs` the slots written (those read after the chain)."""

    steps: list[Step]
    arrays: list[int]
    scalars: list[int]
    outputs: list[int]
    shape: tuple
    dtype: np.dtype
    source: str = field(repr=False, default="")

    @property
    def inputs(self) -> tuple[int, ...]:
        """Every slot it may read: its steps' inputs from outside it, and the scalars."""
        made = {s.output for s in self.steps}
        return tuple({i for s in self.steps for i in s.inputs if i not in made}
                     | set(self.scalars))

    def run(self, env: list) -> None:
        ins = [env[s] for s in self.arrays]
        if not all(a.shape == self.shape and a.dtype == self.dtype and a.flags.c_contiguous
                   for a in ins):
            for step in self.steps:  # not what was traced: the steps one by one
                env[step.output] = run_forward(step.prim, step.device,
                                               [env[s] for s in step.inputs])[0]
            return
        outs = [np.empty(self.shape, self.dtype) for _ in self.outputs]
        flat = [a.reshape(-1) for a in ins]
        numbers = [self.dtype.type(env[s]) for s in self.scalars]
        written = [o.reshape(-1) for o in outs]
        loop = kernel(self.source)
        size, threads = flat[0].size, threads_module.get_num_threads()
        if size < SPLIT_MIN_SIZE or threads < 2:
            loop(*flat, *numbers, *written)
        else:  # each thread its own range (the loop releases the GIL): the same values
            bounds = [size * k // threads // 64 * 64 for k in range(threads)] + [size]
            threads_module.parallel_for(
                list(zip(bounds[:-1], bounds[1:])),
                lambda r, worker: loop(*[a[r[0]:r[1]] for a in flat], *numbers,
                                       *[o[r[0]:r[1]] for o in written]))
        for slot, out in zip(self.outputs, outs):
            env[slot] = out


def available() -> bool:
    return importlib.util.find_spec("numba") is not None


def fuse(steps: list[Step], shapes: dict[int, tuple], dtypes: dict[int, np.dtype],
         read_after: dict[int, int], outputs: set[int]) -> list:
    """The steps with their fusable chains replaced by FusedChains. shapes and dtypes: of every
    slot's traced array; read_after[slot]: the index of the last step reading it."""
    scalars = {s.output: s.inputs[0] for s in steps if isinstance(s.prim, BroadcastTo)
               and shapes[s.inputs[0]] == () and dtypes[s.inputs[0]].kind == "f"}
    result, chain = [], []

    def close() -> None:
        if len(chain) > 1:
            result.append(_chain(chain, scalars, shapes, dtypes, read_after, outputs,
                                 index[chain[-1].output]))
        else:
            result.extend(chain)
        chain.clear()

    index = {s.output: i for i, s in enumerate(steps)}
    for step in steps:
        ok = _fusable(step, scalars, shapes, dtypes)
        if ok and chain and (shapes[step.output] != shapes[chain[0].output]
                             or dtypes[step.output] != dtypes[chain[0].output]):
            close()
        if ok:
            chain.append(step)
        elif step.output in scalars:  # a broadcast scalar: kept (a view), and no chain breaker
            result.append(step)
        else:
            close()
            result.append(step)
    close()
    return result


def _fusable(step: Step, scalars, shapes, dtypes) -> bool:
    if type(step.prim) not in EXPRESSIONS:
        return False
    shape, dtype = shapes[step.output], dtypes[step.output]
    if dtype not in (np.float32, np.float64) or int(np.prod(shape)) < FUSE_MIN_SIZE:
        return False
    return all(s in scalars or (shapes[s] == shape and dtypes[s] == dtype) for s in step.inputs)


def _chain(chain: list[Step], scalars, shapes, dtypes, read_after, outputs,
           last: int) -> FusedChain:
    made = {s.output for s in chain}
    arrays, numbers, lines = [], [], []
    names: dict[int, str] = {}
    for step in chain:
        for s in step.inputs:
            if s in made or s in names:
                continue
            if s in scalars:
                names[s] = f"c{len(numbers)}"
                numbers.append(scalars[s])
            else:
                names[s] = f"a{len(arrays)}[i]"
                arrays.append(s)
        names[step.output] = f"t{len(lines)}"
        expression = EXPRESSIONS[type(step.prim)].format(*[names[s] for s in step.inputs])
        lines.append(f"        t{len(lines)} = {expression}")
    written = [s.output for s in chain
               if s.output in outputs or read_after.get(s.output, -1) > last]
    head = ", ".join([f"a{k}" for k in range(len(arrays))] + [f"c{k}" for k in range(len(numbers))]
                     + [f"o{k}" for k in range(len(written))])
    stores = [f"        o{k}[i] = {names[s]}" for k, s in enumerate(written)]
    source = "\n".join([f"def fused({head}):", f"    for i in range({'o0' if written else 'a0'}"
                        f".shape[0]):", *lines, *stores, ""])
    return FusedChain(list(chain), arrays, numbers, written, shapes[chain[0].output],
                      dtypes[chain[0].output], source)


def kernel(source: str):
    """The numba-compiled function of a generated source (compiled once per process)."""
    compiled = _kernels.get(source)
    if compiled is None:
        from numba import njit

        namespace: dict = {}
        exec(compile(source, "<wl.compile fused chain>", "exec"), namespace)  # our own text
        compiled = _kernels[source] = njit(error_model="numpy", nogil=True)(namespace["fused"])
    return compiled


__all__ = ["FusedChain", "fuse", "available", "FUSE_MIN_SIZE"]
