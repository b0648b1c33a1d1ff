"""export(): a model's forward pass, traced once on example inputs, saved as an ONNX graph.

The pass is recorded primitive by primitive (trace.py); each primitive becomes ONNX nodes through
the converter table (convert_*.py). Parameters and buffers become initializers under their
names; operations that read only constants are folded into initializers; broadcasts feeding an
elementwise op are left to ONNX's own broadcasting, so a batch axis named in dynamic_axes stays
dynamic. Control flow is traced as the example ran, as in torch.onnx's tracing exporter."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import onnx
from onnx import helper

from ..autodiff.pytree import tree_flatten
from ..core.grad_mode import no_grad
from ..core.tensor import Tensor
from ..nn.module import Module
from ..viz.modules import _Calls
from .builder import Builder
from .graph import Graph
from .trace import record

DEFAULT_OPSET = 17


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
    builder = Builder(g, params, calls)
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
    if not isinstance(model, Module):
        with no_grad():
            return (*record(model, args), None)
    modes = [(m, m.training) for m in model.modules()]  # each submodule's own, to restore
    calls = _Calls(model)
    try:
        model.eval()
        with no_grad(), calls:
            rec, out = record(model, args)
    finally:
        for m, training in modes:  # parents first: a child's own mode is set after
            m.train(training)
    return rec, out, calls


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
