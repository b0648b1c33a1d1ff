"""The graph's side of export: names every traced tensor (inputs, op outputs, parameters under
their names, other constants as initializers) and emits each live op through its converter.
Ops that read only constants are not emitted (their results become initializers); an alias
that no op made reads its tensor's value; an in-place write is traced to the op it wrote."""
from __future__ import annotations

import numpy as np

from ..core.tensor import Tensor
from . import convert_math, convert_nn, convert_shape  # noqa: F401  (they fill the table)
from .graph import Graph
from .table import CONVERTERS

# Elementwise ONNX ops broadcast their inputs themselves (multidirectional broadcasting).
_BROADCASTING = {"Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Minimum", "Where", "Equal",
                 "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual", "LogicalAnd",
                 "LogicalOr", "LogicalXor", "MaskedSoftmax"}


class Builder:
    """Names the traced tensors and emits each op through its converter."""

    def __init__(self, g: Graph, params: dict[int, str], calls) -> None:
        self.g, self.params, self.calls = g, params, calls
        self.names: dict[int, str] = {}
        self.live: set[int] = set()  # ids of the tensors that depend on a graph input
        # BroadcastTo output -> (name, shape) of the input it expanded
        self.expanded: dict[int, tuple[str, tuple]] = {}
        self.keep: list[Tensor] = []  # constants named here: kept alive so ids stay unique
        # live tensors by their array, with the values they had when named: an alias that no
        # op made (detach(), .data) reads the same value; a changed value is an in-place write
        self.arrays: dict[int, Tensor] = {}
        self.seen: dict[int, np.ndarray] = {}
        self.outputs: list[Tensor] = []  # the live ops' outputs, in order

    def add_live(self, t: Tensor, name: str, value: np.ndarray) -> None:
        self.names[id(t)] = name
        self.live.add(id(t))
        self.arrays.setdefault(id(t._data), t)
        self.seen[id(t)] = value

    def name(self, t: Tensor, value: np.ndarray | None = None) -> str:
        """t's value in the graph when it held `value` (default: its values now): an op's
        output, an input (or an alias of one), or an initializer made now."""
        value = t._data if value is None else value
        known = self.arrays.get(id(t._data))
        if id(t) not in self.names and known is not None:
            t = known
        name = self.names.get(id(t))
        if name is None:
            name = self.params.get(id(t)) or self.g.fresh("const")
            self.g.initializer(name, np.asarray(value))
            self.names[id(t)] = name
            self.keep.append(t)
        elif id(t) in self.seen and not _same(self.seen[id(t)], value):
            name = self._written(t, value)
        return name

    def _written(self, t: Tensor, value: np.ndarray) -> str:
        """The value of t after an in-place op wrote into it: the latest op output that holds
        exactly its values (x += y writes the result of the Add it ran). A write into part of
        t (a view, x[k] = v) has no such op: that is not exported rather than exported wrong."""
        for y in reversed(self.outputs):
            if y is not t and _same(self.seen[id(y)], value):
                self.add_live(t, self.names[id(y)], value)
                return self.names[id(y)]
        raise NotImplementedError("onnx.export: a tensor of the trace was written in place "
                                  "in part (through a view or an index); write it out of place")

    def op(self, prim, xs, y, values, value) -> None:
        live = any(self._is_live(x) for x in xs)
        if not live and prim.name != "BroadcastTo":
            return  # a constant: named (as an initializer) when an op or output reads it
        convert = CONVERTERS.get(prim.name)
        if convert is None:
            raise NotImplementedError(f"onnx.export: no ONNX converter for the primitive "
                                      f"{prim.name}, run by {self._where(xs)}")
        ins = [self.name(x, v) for x, v in zip(xs, values)]
        if prim.name in _BROADCASTING:
            ins = self._unexpanded(xs, ins, values, y)
        name = convert(self.g, prim, ins, xs, y)
        if live:
            self.add_live(y, name, value)
            self.outputs.append(y)
        else:
            self.names[id(y)] = name
        if prim.name == "BroadcastTo":
            self.expanded[id(y)] = self.expanded.get(id(xs[0]), (ins[0], xs[0].shape))

    def _unexpanded(self, xs, ins, values, y) -> list[str]:
        """The inputs of an elementwise op as ONNX may broadcast them: a BroadcastTo's input
        rather than its output; a constant that repeats one slice along the first dim (a frame
        of -inf built at the batch size) cut to that slice, while a live input spans the dim."""
        shapes = [x.shape for x in xs]
        for i, x in enumerate(xs):
            if id(x) in self.expanded:
                ins[i], shapes[i] = self.expanded[id(x)]
        spans = y.ndim > 0 and any(len(s) == y.ndim and s[0] == y.shape[0] > 1
                                   and self._is_live(x) for x, s in zip(xs, shapes))
        for i, (x, v) in enumerate(zip(xs, values)):
            if (spans and not self._is_live(x) and shapes[i] == y.shape
                    and _same(np.broadcast_to(v[:1], v.shape), v)):
                ins[i] = self.g.const(v[:1])
        return ins

    def _is_live(self, x: Tensor) -> bool:
        return id(x) in self.live or id(x._data) in self.arrays

    def _where(self, xs) -> str:
        key = None
        if self.calls is not None:
            entry = self.calls.made_in.get(id(xs))
            key = entry[1] if entry is not None and entry[0] is xs else None
        if key is None:
            return "the model's own forward"
        path, cls, _ = self.calls.calls[key]
        return f"module {path!r} ({cls})"


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(
        a, b, equal_nan=a.dtype.kind in "fc")
