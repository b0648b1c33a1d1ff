"""graph(): the tape behind some output tensors as a graphviz Digraph, one node per primitive
application (each run of repeated blocks drawn once, marked ×N), with leaves, outputs and edges."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from ..core.tensor import Tensor
from ..nn.parameter import Parameter
from . import labels
from .boxes import Calls, emit, repeat_boxes
from .folding import fold, pick
from .render import require_graphviz

# Graphviz's dot lays out a 500-operation model in about a second (a 100-layer residual MLP, 1,000
# operations: 1.5-3.6 s; 2,000: up to 19 s); more than that is not read anyway, and there is the
# note that says how many were left out.
DEFAULT_MAX_NODES = 500

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
          inputs: Mapping[str, Tensor] | None = None, collapse: bool = True):
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
    called '<name> (view)'; a leaf read by several operations is drawn next to each (edges across
    a deep picture are what makes Graphviz slow). Outputs get their own orange node.
    `show_saved` writes what each operation's tape entry keeps alive (its inputs, in bytes) and
    the total over the intermediate tensors. At most `max_nodes` operations are drawn (None: all),
    those nearest the outputs; a dashed note stands for the rest. An operation whose tape entry
    was freed by backward() is drawn dashed, without inputs.
    `collapse` folds repeated structure: three or more consecutive blocks that run the same
    operations on the same shapes, each reading the same tensors as the others or the results of
    the block before (a recurrent cell applied per time step), are drawn once, the first of them,
    in a box marked ×N; the state a block hands to the next is a dashed edge back into the box,
    and an operation that reads every block's result (a stack of the steps' outputs) gets one
    edge saying how many. collapse=False draws every operation.

    Raises ValueError when no output has a tape (a leaf, or computed without grad): there is no
    computation to draw. Call graph(...).source for the DOT text (no Graphviz binary needed), or
    wonderland.viz.render to write a picture."""
    return draw(output_or_outputs, params, inputs, show_shapes, show_saved, max_nodes, collapse)


def draw(output_or_outputs, params, inputs, show_shapes, show_saved, max_nodes,
         collapse: bool = True, calls: Calls | None = None, ran: Callable | None = None):
    """graph()'s work. calls: model_graph's submodule calls, boxed; ran(node): a node's place
    in the run, where model_graph saw it (it finds repeats in that order)."""
    gv = require_graphviz()
    outputs = _named_outputs(output_or_outputs)
    _check(outputs, max_nodes)
    tensors = [t for _, t in outputs]
    d = _Drawing(gv, params, inputs, show_shapes, show_saved, calls)
    folded = fold(tensors, d.signature if collapse else None, d.source_key, ran)
    drawn, hidden = pick(folded, tensors, max_nodes)
    d.index = {i: n for n, i in enumerate(drawn)}
    d.folded = folded
    box, clusters = repeat_boxes(folded, drawn, calls)
    made_outputs = {folded.stand_in(folded.position(t)) for t in tensors if t._node is not None}
    for i in drawn:
        d.op(i, box[i], i in made_outputs)
    for k, (name, t) in enumerate(outputs):
        label = [name] + ([labels.tensor_label(t)] if show_shapes else [])
        d.add_node(None, f"out{k}", label, _OUTPUT)
        d.edge(d.source(t, f"out{k}"), f"out{k}", t)
    if hidden:
        note = [f"… {hidden} more operations", f"not drawn (max_nodes={max_nodes})"]
        d.add_node(None, "more", note, _MORE)
    dot = gv.Digraph("wonderland", graph_attr=dict(rankdir="TB"),
                     node_attr=dict(fontname="Helvetica", fontsize="11"),
                     edge_attr=dict(fontname="Helvetica", fontsize="9"))
    emit(gv, dot, d.nodes, clusters)
    for tail, head, attrs in d.edges():
        dot.edge(tail, head, **attrs)
    if show_saved:
        total = sum(d.saved.values())
        dot.attr("graph", labelloc="b", label=f"the tape keeps {len(d.saved)} intermediate "
                 f"tensors alive: {labels.nbytes(total)}")
    return dot


class _Drawing:
    """The nodes (by box key) and edges of one picture, as plain tuples for graphviz. An edge
    that several folded operations share is drawn once (see edges())."""

    def __init__(self, gv, params, inputs, show_shapes, show_saved, calls):
        self.gv, self.show_shapes, self.show_saved, self.calls = gv, show_shapes, show_saved, calls
        self.index: dict[int, int] = {}  # operation position -> its node's number
        self.folded = None
        named = [(n, t, _INPUT) for n, t in (inputs or {}).items()]
        named += [(n, t, _PARAM) for n, t in (params or {}).items()]
        self.names = {id(t): (n, style) for n, t, style in named}
        # a named constant reaches the tape as a view when broadcast against a tensor with grad
        self.views = {id(_buffer(t)): (f"{n} (view)", style) for n, t, style in named
                      if t._node is None}
        # what unnamed no-grad leaves are: the inputs, until the caller names those
        self.other = ("constant", _CONST) if inputs else ("input", _INPUT)
        self.nodes: dict = {}  # box key -> [(name, label lines, attributes)]
        self.links: dict = {}  # see edge(): key -> (attributes, tensors, readers, slots)
        self.leaves: dict[tuple, str] = {}  # (id(leaf), reader's node) -> the leaf's node
        self.saved: dict[int, int] = {}  # id(buffer) -> bytes, of intermediates the tape holds

    def add_node(self, group, name: str, label: list[str], attrs: dict) -> None:
        self.nodes.setdefault(group, []).append((name, label, attrs))

    def signature(self, t: Tensor) -> tuple:
        """What t's operation does, as far as folding repeats cares: its primitive, its module,
        the shapes in and out (parameters and constants may differ: an index that advances)."""
        node = t._node
        module = None
        if self.calls is not None:
            key = self.calls.op_group(node)
            module = None if key is None else self.calls.paths[key]
        ins = tuple("constant" if self.inline(x) else (x.shape, x.dtype.name)
                    for x in node.inputs or ())
        return node.prim.name, module, t.shape, t.dtype.name, ins

    def source_key(self, x: Tensor):
        """Equal for two leaves that one drawing may stand for: the same named tensor, or
        unnamed tensors alike (the zero state of each step, a constant)."""
        if self.inline(x):
            return ("constant",)
        if id(x) in self.names:
            return ("named", id(x))
        if id(_buffer(x)) in self.views:
            return ("view", id(_buffer(x)))
        return ("leaf", x.shape, x.dtype.name, x._requires_grad, isinstance(x, Parameter))

    def leaf(self, x: Tensor, reader: str) -> str:
        """x's node next to `reader`: a leaf read in several places is drawn at each, since
        edges that run across a deep picture are what makes Graphviz's layout slow."""
        name = self.leaves.get((id(x), reader))
        if name is None:
            name = self.leaves[(id(x), reader)] = f"leaf{len(self.leaves)}"
            title, style = (self.names.get(id(x)) or self.views.get(id(_buffer(x)))
                            or (("Parameter" if isinstance(x, Parameter) else "leaf", _LEAF)
                                if x._requires_grad else self.other))
            label = [title] + ([labels.tensor_label(x)] if self.show_shapes else [])
            group = self.calls.leaf_group(x) if self.calls else None
            self.add_node(group, name, label, style)
        return name

    def source(self, x: Tensor, reader: str) -> str:
        """The node an edge carrying x to `reader` starts from: x's operation, x's leaf, or the
        note that stands for the operations not drawn ("more")."""
        if x._node is None:
            return self.leaf(x, reader)
        n = self.index.get(self.folded.stand_in(self.folded.position(x)))
        return "more" if n is None else f"op{n}"

    def inline(self, x: Tensor) -> bool:
        return (labels.is_scalar_constant(x) and id(x) not in self.names
                and id(_buffer(x)) not in self.views)

    def op(self, i: int, box, is_output: bool) -> None:
        """Operation i's node, and the edges into it from every operation it stands for."""
        t = self.folded.ops[i]
        node, gv = t._node, self.gv
        xs = node.inputs or ()
        constants = {j: labels.scalar_value(x) for j, x in enumerate(xs) if self.inline(x)}
        label = [labels.op_title(node.prim, constants, len(xs))] + labels.op_params(node.prim)
        style = dict(_OP)
        if self.show_saved and xs:
            held = {id(b): b.nbytes for b in map(_buffer, xs)}
            label.append(f"saves {labels.nbytes(sum(held.values()))}")
            for x in (x for m in self.folded.members(i) for x in self.folded.inputs(m)):
                if x._node is not None:  # intermediates: alive only because the tape holds them
                    b = _buffer(x)  # (of every repetition: the total is what the tape holds)
                    self.saved[id(b)] = b.nbytes
        if node.inputs is None:
            label.append("(freed by backward)")
            style["style"] = "rounded,dashed"
        if is_output:
            style["penwidth"] = "2"
        where = getattr(node, "where", None)  # set in anomaly mode: the user code that ran it
        if where:
            style["tooltip"] = gv.nohtml(r"\n".join(gv.escape(s) for s in labels.frames(where)))
        head = f"op{self.index[i]}"
        self.add_node(box, head, label, style)
        for m in self.folded.members(i):
            reads = self.folded.inputs(m)
            for j, x in enumerate(reads):
                if j in constants:
                    continue
                if m != i and x._node is None and xs[j]._node is None \
                        and self.source_key(x) == self.source_key(xs[j]):
                    x = xs[j]  # a leaf of a later repetition, drawn as the first one's
                twice = sum(y is x for y in reads) > 1  # x * x: one edge per argument
                self.edge(self.source(x, head), head, x, j, m, twice, self._carried(x, m))

    def _carried(self, x: Tensor, m: int) -> bool:
        """Whether x comes from an earlier repetition of the block that operation m is in."""
        if x._node is None:
            return False
        mine, theirs = self.folded.place(m), self.folded.place(self.folded.position(x))
        return mine is not None and theirs is not None and mine[0] == theirs[0] \
            and theirs[1] < mine[1]

    def edge(self, tail: str, head: str, x: Tensor, slot: int = -1, reader: int = -1,
             twice: bool = False, carried: bool = False) -> None:
        """Note that operation `reader` (drawn as `head`) reads x (drawn as `tail`) as argument
        `slot`. The folded repetitions of one edge are drawn as one."""
        key = ("more", head, False, None) if tail == "more" else \
            (tail, head, carried, slot if twice else None)
        link = self.links.get(key)
        if link is None:
            attrs = {}
            if tail == "more":
                attrs["style"] = "dashed"
            elif self.show_shapes and x._node is not None and head.startswith("op"):
                attrs["label"] = labels.tensor_label(x)
            link = self.links[key] = (attrs, set(), set(), set())
        link[1].add(id(x))
        link[2].add(reader)
        link[3].add(slot)

    def edges(self):
        """(tail, head, attributes) of every edge: the argument position at the head when the
        operation reads several inputs; 'n of them' when one operation reads the results of n
        repetitions (a stack of every step's output); the state that a repetition hands to the
        next drawn dashed, back into the block."""
        into: dict[str, set] = {}
        for (tail, head, carried, _), (_, _, _, slots) in self.links.items():
            if not carried and tail != "more":
                into.setdefault(head, set()).update(slots)
        for (tail, head, carried, _), (attrs, tensors, readers, slots) in self.links.items():
            attrs = dict(attrs)
            if tail == "more":
                pass
            elif carried:
                text = "to the next repetition"
                attrs.update(style="dashed", color="#7f6000", constraint="false",
                             label=f"{attrs['label']}\\n{text}" if "label" in attrs else text)
            elif len(tensors) > 1 and len(readers) == 1:
                attrs["label"] = f"{attrs.get('label', 'tensors')}, {len(tensors)} of them"
            elif len(slots) == 1 and len(into.get(head, ())) > 1:
                attrs.update(headlabel=str(next(iter(slots))), labelfontsize="8",
                             labelfontcolor="gray40", labeldistance="1.5")
            yield tail, head, attrs


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


def _buffer(x: Tensor):
    """The array that owns x's memory (views of one buffer are counted once)."""
    a = x._data
    while getattr(a, "base", None) is not None and hasattr(a.base, "nbytes"):
        a = a.base
    return a
