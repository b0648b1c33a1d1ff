"""export(): a model's forward pass, traced once on example inputs, saved as an ONNX graph.

The pass is recorded primitive by primitive (trace.py); each primitive becomes ONNX nodes through
the converter table (convert_*.py). Parameters and buffers become initializers under their
names; operations that read only constants are folded into initializers; broadcasts feeding an
elementwise op are left to ONNX's own broadcasting, so a batch axis named in dynamic_axes stays
dynamic. Control flow is traced as the example ran, as in torch.onnx's tracing exporter."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import onnx
from onnx import helper

from ..autodiff.pytree import tree_flatten
from ..core.grad_mode import no_grad
from ..core.tensor import Tensor
from ..nn.module import Module
from ..viz.modules import _Calls
from . import convert_math, convert_nn, convert_shape  # noqa: F401  (they fill the table)
from .graph import Graph
from .table import CONVERTERS
from .trace import record

DEFAULT_OPSET = 17
# Elementwise ONNX ops broadcast their inputs themselves (multidirectional broadcasting).
_BROADCASTING = {"Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Minimum", "Where", "Equal",
                 "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual", "LogicalAnd",
                 "LogicalOr", "LogicalXor", "MaskedSoftmax"}


def export(model: Callable, args, f, input_names: Sequence[str] | None = None,
           output_names: Sequence[str] | None = None,
           dynamic_axes: Mapping[str, Mapping[int, str] | Sequence[int]] | None = None,
           opset_version: int = DEFAULT_OPSET, *, export_params: bool = True,
           do_constant_folding: bool = True, verbose: bool = False) -> None:
    """Trace model(*args) once and write it to `f` (a path or a binary file) as an ONNX model.

    args: a tensor or a tuple of tensors, the example inputs. input_names / output_names: the
    graph's names for them (default input_0 ..., output_0 ...). dynamic_axes: as torch.onnx's,
    {name: {axis: 'symbol'}} or {name: [axes]}, the axes left free (usually the batch).
    export_params and do_constant_folding are accepted as torch.onnx's (parameters are always
    stored in the graph, constant-only operations always folded); verbose prints the graph.
    A Module is exported in eval mode (its mode is restored after), as torch.onnx does.
    As with any trace, Python branches and loops are fixed as the example ran them, and a
    tensor the model makes itself (a zero state, a mask) is a constant of the graph at the
    example's sizes: one that only repeats along the batch is cut to one slice, so a dynamic
    batch still works; other axes (a sequence length) keep the example's size unless computed
    by ops from the inputs. Exporting with a batch of 2 or more keeps batch and unit dims apart.
    Raises NotImplementedError naming the primitive and the module that ran it when a primitive
    has no ONNX converter."""
    args = (args,) if isinstance(args, Tensor) else tuple(args)
    if not args or not all(isinstance(a, Tensor) for a in args):
        raise TypeError("onnx.export: args must be a tensor or a tuple of tensors, got "
                        f"{[type(a).__name__ for a in args]}")
    if not export_params:
        raise NotImplementedError("onnx.export: export_params=False (parameters as graph "
                                  "inputs) is not supported; the parameters are initializers")
    if not 13 <= opset_version <= onnx.defs.onnx_opset_version():
        raise ValueError(f"onnx.export: opset_version must be between 13 and "
                         f"{onnx.defs.onnx_opset_version()}, got {opset_version}")
    given = [x._data.copy() for x in args]  # the model may write into its inputs
    rec, out, calls = _run(model, args)
    outputs = tree_flatten(out)[0]
    if not outputs or not all(isinstance(t, Tensor) for t in outputs):
        raise TypeError(f"onnx.export: the model must return tensors, got {type(out).__name__}")
    input_names = _names(input_names, len(args), "input")
    output_names = _names(output_names, len(outputs), "output")
    dims = _dynamic(dynamic_axes, input_names, output_names)
    params = {}
    if isinstance(model, Module):
        params = {id(t): n for n, t in [*model.named_parameters(), *model.named_buffers()]}
    g = Graph(opset_version)
    builder = _Builder(g, params, calls)
    for x, name, value in zip(args, input_names, given):
        builder.add_live(x, name, value)
    for (prim, xs, y), (values, value) in zip(rec.ops, rec.values):
        builder.op(prim, xs, y, values, value)
    for t, name in zip(outputs, output_names):
        g.nodes.append(helper.make_node("Identity", [builder.name(t)], [name],
                                        name=g.fresh("output")))
    _prune(g, output_names)
    graph = helper.make_graph(
        g.nodes, "wonderland", [_info(x, n, dims.get(n)) for x, n in zip(args, input_names)],
        [_info(t, n, dims.get(n), shaped=n in dims or not dims)
         for t, n in zip(outputs, output_names)], g.initializers)
    opsets = [helper.make_opsetid("", opset_version)]
    proto = helper.make_model(graph, opset_imports=opsets, producer_name="wonderland",
                              ir_version=helper.find_min_ir_version_for(opsets))
    if verbose:
        print(onnx.printer.to_text(proto.graph))
    onnx.save(proto, f)


def _run(model, args):
    """model(*args) recorded, without grad and (for a Module) in eval mode."""
    training = model.training if isinstance(model, Module) else None
    calls = _Calls(model) if isinstance(model, Module) else None
    try:
        if training:
            model.eval()
        with no_grad():
            if calls is None:
                rec, out = record(model, args)
            else:
                with calls:
                    rec, out = record(model, args)
    finally:
        if training:
            model.train()
    return rec, out, calls


class _Builder:
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


def _names(names, n: int, kind: str) -> list[str]:
    if names is None:
        return [f"{kind}_{i}" for i in range(n)]
    names = list(names)
    if len(names) != n or len(set(names)) != n:
        raise ValueError(f"onnx.export: {n} distinct {kind}_names expected (one per {kind}), "
                         f"got {names}")
    return names


def _dynamic(dynamic_axes, input_names, output_names) -> dict[str, dict[int, str]]:
    out = {}
    for name, axes in (dynamic_axes or {}).items():
        if name not in input_names and name not in output_names:
            raise ValueError(f"onnx.export: dynamic_axes names {name!r}, which is neither an "
                             f"input nor an output ({input_names + output_names})")
        if not isinstance(axes, Mapping):
            axes = {int(a): f"{name}_dynamic_axes_{i + 1}" for i, a in enumerate(axes)}
        out[name] = {int(a): str(s) for a, s in axes.items()}
    return out


def _info(t: Tensor, name: str, dynamic: dict[int, str] | None, shaped: bool = True):
    """A graph input's or output's type: its shape with the dynamic axes named (an output
    left out of dynamic_axes while inputs have some gets only its rank: its dims may vary)."""
    elem = helper.np_dtype_to_tensor_dtype(t._data.dtype)
    dims = [(dynamic or {}).get(a, n) if shaped else None for a, n in enumerate(t.shape)]
    return helper.make_tensor_value_info(name, elem, dims)


def _prune(g: Graph, outputs: list[str]) -> None:
    """Drop the nodes and initializers no output depends on (the Expands looked through)."""
    needed = set(outputs)
    kept = []
    for node in reversed(g.nodes):
        if any(o in needed for o in node.output):
            kept.append(node)
            needed.update(i for i in node.input if i)
    g.nodes[:] = kept[::-1]
    g.initializers[:] = [t for t in g.initializers if t.name in needed]
