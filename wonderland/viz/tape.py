"""graph(): the tape behind some output tensors as a graphviz Digraph, one node per primitive
application, found by walking back from the outputs breadth first (iteratively, each node once)."""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping

from ..core.tensor import Tensor
from ..nn.parameter import Parameter
from . import labels
from .render import require_graphviz

DEFAULT_MAX_NODES = 2000

_OP = dict(shape="box", style="rounded,filled", fillcolor="#e7e6e6")
_PARAM = dict(shape="ellipse", style="filled", fillcolor="#bdd7ee")
_INPUT = dict(shape="ellipse", style="filled", fillcolor="#fff2cc")
_CONST = dict(shape="ellipse", style="filled", fillcolor="white")
_LEAF = dict(shape="ellipse", style="filled", fillcolor="#c5e0b4")
_OUTPUT = dict(shape="ellipse", style="filled", fillcolor="#f8cbad", penwidth="2")
_MORE = dict(shape="note", style="dashed", fontcolor="gray30")


def graph(output_or_outputs, params: Mapping[str, Tensor] | None = None,
          show_shapes: bool = True, show_saved: bool = False,
          max_nodes: int | None = DEFAULT_MAX_NODES, *,
          inputs: Mapping[str, Tensor] | None = None):
    """Draw the computation that produced `output_or_outputs` (a tensor, a list/tuple of
    tensors, or a dict name -> tensor) as a graphviz.Digraph.

    One box per primitive application, labelled with the primitive's name and its parameters
    (axes, shapes, index keys ...); scalar constants such as the 2 of `x * 2` are written inside
    the box, `Mul(·, 2)`. Edges run from inputs to the operations that read them, labelled with
    shape and dtype when `show_shapes`; on an operation with several inputs a small number at
    the arrow head gives the argument's position. Leaves are ellipses: named by `params` (e.g.
    dict(model.named_parameters())) in blue, named by `inputs` in yellow, unnamed leaves that
    require grad in green ('leaf'), other unnamed leaves in yellow ('input', or 'constant' once
    `inputs` names the inputs); a named tensor that reaches the tape broadcast or reshaped is
    called '<name> (view)'. Outputs get their own orange node.
    `show_saved` writes what each operation's tape entry keeps alive (its inputs, in bytes) and
    the total over the intermediate tensors. At most `max_nodes` operations are drawn (None: all),
    those nearest the outputs; a dashed note stands for the rest. An operation whose tape entry
    was freed by backward() is drawn dashed, without inputs.

    Raises ValueError when no output has a tape (a leaf, or computed without grad): there is no
    computation to draw. Call graph(...).source for the DOT text (no Graphviz binary needed), or
    wonderland.viz.render to write a picture."""
    return draw(output_or_outputs, params, inputs, show_shapes, show_saved, max_nodes)


def draw(output_or_outputs, params, inputs, show_shapes, show_saved, max_nodes,
         op_group: Callable | None = None, leaf_group: Callable | None = None,
         clusters: Mapping | None = None):
    """graph()'s work. op_group(node) and leaf_group(tensor) give the cluster key a node goes
    in (or None); clusters maps each key to (label, parent key or None)."""
    gv = require_graphviz()
    outputs = _named_outputs(output_or_outputs)
    _check(outputs, max_nodes)
    drawn, hidden = _walk([t for _, t in outputs], max_nodes)
    d = _Drawing(gv, drawn, params, inputs, show_shapes, show_saved, op_group, leaf_group)
    made_outputs = {id(t._node) for _, t in outputs if t._node is not None}
    for i, t in enumerate(drawn):
        d.op(i, t, id(t._node) in made_outputs)
    for k, (name, t) in enumerate(outputs):
        label = [name] + ([labels.tensor_label(t)] if show_shapes else [])
        d.add_node(None, f"out{k}", label, _OUTPUT)
        d.edges.append((d.source(t), f"out{k}", {}))
    if hidden:
        note = [f"… {hidden} more operations", f"not drawn (max_nodes={max_nodes})"]
        d.add_node(None, "more", note, _MORE)
    dot = gv.Digraph("wonderland", graph_attr=dict(rankdir="TB"),
                     node_attr=dict(fontname="Helvetica", fontsize="11"),
                     edge_attr=dict(fontname="Helvetica", fontsize="9"))
    _emit_nodes(gv, dot, d.nodes, clusters or {})
    for tail, head, attrs in d.edges:
        dot.edge(tail, head, **attrs)
    if show_saved:
        total = sum(d.saved.values())
        dot.attr("graph", labelloc="b", label=f"the tape keeps {len(d.saved)} intermediate "
                 f"tensors alive: {labels.nbytes(total)}")
    return dot


class _Drawing:
    """The nodes (by cluster key) and edges of one picture, as plain tuples for graphviz."""

    def __init__(self, gv, drawn, params, inputs, show_shapes, show_saved, op_group,
                 leaf_group):
        self.gv, self.show_shapes, self.show_saved = gv, show_shapes, show_saved
        self.op_group, self.leaf_group = op_group, leaf_group
        self.index = {id(t._node): i for i, t in enumerate(drawn)}
        named = [(n, t, _INPUT) for n, t in (inputs or {}).items()]
        named += [(n, t, _PARAM) for n, t in (params or {}).items()]
        self.names = {id(t): (n, style) for n, t, style in named}
        # a named constant reaches the tape as a view when broadcast against a tensor with grad
        self.views = {id(_buffer(t)): (f"{n} (view)", style) for n, t, style in named
                      if t._node is None}
        # what unnamed no-grad leaves are: the inputs, until the caller names those
        self.other = ("constant", _CONST) if inputs else ("input", _INPUT)
        self.nodes: dict = {}  # cluster key -> [(name, label lines, attributes)]
        self.edges: list = []  # (tail, head, attributes)
        self.leaves: dict[int, str] = {}
        self.saved: dict[int, int] = {}  # id(buffer) -> bytes, of intermediates the tape holds
        self.cut: set[str] = set()  # operations already given their edge from "more"

    def add_node(self, group, name: str, label: list[str], attrs: dict) -> None:
        self.nodes.setdefault(group, []).append((name, label, attrs))

    def leaf(self, x: Tensor) -> str:
        name = self.leaves.get(id(x))
        if name is None:
            name = self.leaves[id(x)] = f"leaf{len(self.leaves)}"
            title, style = (self.names.get(id(x)) or self.views.get(id(_buffer(x)))
                            or (("Parameter" if isinstance(x, Parameter) else "leaf", _LEAF)
                                if x._requires_grad else self.other))
            label = [title] + ([labels.tensor_label(x)] if self.show_shapes else [])
            self.add_node(self.leaf_group(x) if self.leaf_group else None, name, label, style)
        return name

    def source(self, x: Tensor) -> str:
        """The node an edge carrying x starts from: its operation, its leaf, or "more"."""
        if x._node is None:
            return self.leaf(x)
        i = self.index.get(id(x._node))
        return "more" if i is None else f"op{i}"

    def inline(self, x: Tensor) -> bool:
        return (labels.is_scalar_constant(x) and id(x) not in self.names
                and id(_buffer(x)) not in self.views)

    def op(self, i: int, t: Tensor, is_output: bool) -> None:
        node, gv = t._node, self.gv
        xs = node.inputs or ()
        constants = {j: labels.scalar_value(x) for j, x in enumerate(xs) if self.inline(x)}
        label = [labels.op_title(node.prim, constants, len(xs))] + labels.op_params(node.prim)
        style = dict(_OP)
        if self.show_saved and xs:
            held = {id(b): b.nbytes for b in map(_buffer, xs)}
            label.append(f"saves {labels.nbytes(sum(held.values()))}")
            for x in xs:
                if x._node is not None:  # intermediates: alive only because the tape holds them
                    b = _buffer(x)
                    self.saved[id(b)] = b.nbytes
        if node.inputs is None:
            label.append("(freed by backward)")
            style["style"] = "rounded,dashed"
        if is_output:
            style["penwidth"] = "2"
        where = getattr(node, "where", None)  # set in anomaly mode: the user code that ran it
        if where:
            style["tooltip"] = gv.nohtml(r"\n".join(gv.escape(s) for s in labels.frames(where)))
        self.add_node(self.op_group(node) if self.op_group else None, f"op{i}", label, style)
        edged = [j for j in range(len(xs)) if j not in constants]
        for j in edged:
            x, attrs = xs[j], {}
            tail = self.source(x)
            if tail == "more":
                if f"op{i}" in self.cut:
                    continue
                self.cut.add(f"op{i}")
                self.edges.append((tail, f"op{i}", dict(style="dashed")))
                continue
            if self.show_shapes and x._node is not None:
                attrs["label"] = labels.tensor_label(x)
            if len(edged) > 1:  # which argument: Sub, Div, MatMul ... care
                attrs.update(headlabel=str(j), labelfontsize="8", labelfontcolor="gray40",
                             labeldistance="1.5")
            self.edges.append((tail, f"op{i}", attrs))


def _named_outputs(out) -> list[tuple[str, Tensor]]:
    if isinstance(out, Tensor):
        items = [("output", out)]
    elif isinstance(out, Mapping):
        items = [(str(k), v) for k, v in out.items()]
    elif isinstance(out, (list, tuple)):
        items = [(f"output {i}", v) for i, v in enumerate(out)]
    else:
        raise TypeError(f"graph: expected a tensor, a list/tuple or a dict of tensors, "
                        f"got {type(out).__name__}")
    if not items:
        raise ValueError("graph: no outputs to draw")
    for name, t in items:
        if not isinstance(t, Tensor):
            raise TypeError(f"graph: {name} is a {type(t).__name__}, not a tensor")
    return items


def _check(outputs, max_nodes) -> None:
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"graph: max_nodes must be a positive int or None, got {max_nodes!r}")
    for name, t in outputs:
        if t._node is not None and t._node.inputs is None:
            raise ValueError(f"graph: the tape behind {name} was freed by backward(); draw the "
                             f"graph before calling backward, or pass retain_graph=True to it")
    if all(t._node is None for _, t in outputs):
        name, t = outputs[0]
        if t._requires_grad:
            why = ("it is a leaf: it requires grad but no operation made it, so there are no "
                   "operations to draw; pass the result of a computation")
        else:
            why = ("it does not require grad, so no tape was recorded: make an input or "
                   "parameter require grad (requires_grad=True) and compute outside no_grad()")
        raise ValueError(f"graph: {name} has no computation graph to draw: {why}")


def _walk(outputs: list[Tensor], max_nodes: int | None) -> tuple[list[Tensor], int]:
    """Tensors whose tape nodes are drawn (breadth first from the outputs, so the first
    max_nodes are those nearest them), and how many more nodes lie beyond."""
    limit = float("inf") if max_nodes is None else max_nodes
    seen = {id(t._node) for t in outputs if t._node is not None}
    queue = deque(t for t in _unique_by_node(outputs))
    drawn, hidden = [], 0
    while queue:
        t = queue.popleft()
        if len(drawn) < limit:
            drawn.append(t)
        else:
            hidden += 1
        for x in t._node.inputs or ():
            node = x._node
            if node is not None and id(node) not in seen:
                seen.add(id(node))
                queue.append(x)
    return drawn, hidden


def _unique_by_node(ts: list[Tensor]) -> list[Tensor]:
    out, seen = [], set()
    for t in ts:
        if t._node is not None and id(t._node) not in seen:
            seen.add(id(t._node))
            out.append(t)
    return out


def _buffer(x: Tensor):
    """The array that owns x's memory (views of one buffer are counted once)."""
    a = x._data
    while getattr(a, "base", None) is not None and hasattr(a.base, "nbytes"):
        a = a.base
    return a


def _emit_nodes(gv, dot, nodes: dict, clusters: Mapping) -> None:
    """Top-level nodes into `dot`, the rest into nested clusters, built children first so that no
    recursion is needed; a cluster with nothing in it (and nothing below it) is left out."""
    def add(g, entries):
        for name, label, attrs in entries:
            g.node(name, gv.nohtml(r"\n".join(gv.escape(part) for part in label)), **attrs)

    add(dot, nodes.get(None, ()))
    full = set()
    for key in nodes:
        while key is not None and key not in full:
            full.add(key)
            key = clusters[key][1]

    def depth(key) -> int:
        d = 0
        while key is not None:
            key, d = clusters[key][1], d + 1
        return d

    position = {key: i for i, key in enumerate(clusters)}
    built: dict = {}
    children: dict = {}
    for key in sorted(full, key=lambda k: (-depth(k), position[k])):
        label, parent = clusters[key]
        sub = gv.Digraph(f"cluster_{position[key]}",
                         graph_attr=dict(label=label, style="rounded,dashed", color="gray50",
                                         fontname="Helvetica", fontsize="10"))
        add(sub, nodes.get(key, ()))
        for child in children.get(key, ()):
            sub.subgraph(built[child])
        built[key] = sub
        children.setdefault(parent, []).append(key)
    for key in children.get(None, ()):
        dot.subgraph(built[key])
