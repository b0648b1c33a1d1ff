"""model_graph(): one forward pass of a Module drawn with its parameters' names, each submodule
call's operations boxed in a cluster. The calls are seen by wrapping every submodule's forward
for the duration of that one pass, and the operations by the bind() observers of core.primitive."""
from __future__ import annotations

from ..autodiff.pytree import tree_flatten
from ..core import primitive
from ..core.grad_mode import enable_grad
from ..core.tensor import Tensor
from ..nn.module import Module
from .boxes import Calls
from .render import require_graphviz
from .tape import DEFAULT_MAX_NODES, draw

_MISSING = object()


def model_graph(model: Module, *example_inputs, cluster: bool = True, show_shapes: bool = True,
                show_saved: bool = False, max_nodes: int | None = DEFAULT_MAX_NODES,
                collapse: bool = True):
    """Run `model(*example_inputs)` with grad enabled and draw the graph of its output(s)
    (a tensor, or tensors in tuples/lists/dicts) as graph() does, parameters named as in
    model.named_parameters() and the example inputs as 'input' ('input 0', 'input 1' ...).

    cluster: box the operations of each submodule call in a graphviz cluster labelled with the
    submodule's path and class (nested as the modules are; a module called several times gets
    one box per call). Operations put on the tape by custom_vjp, Function or checkpoint are boxed
    only when a submodule returns them directly; otherwise they are drawn outside the boxes.
    collapse: repeated blocks are found in the order the operations ran and drawn once, marked
    ×N, as graph() does; a block's operations must belong to the same modules in every
    repetition (a GRU's steps, or a cell module called once per step, fold; layers with weights
    of their own do not). The model's mode (train/eval) is left as it is."""
    if not isinstance(model, Module):
        raise TypeError(f"model_graph: expected a Module, got {type(model).__name__}")
    require_graphviz()  # before running the model, not after
    params = dict(model.named_parameters())
    flat_inputs = [x for x in tree_flatten(list(example_inputs))[0] if isinstance(x, Tensor)]
    inputs = {("input" if len(flat_inputs) == 1 else f"input {i}"): x
              for i, x in enumerate(flat_inputs)}
    calls = _Calls(model) if cluster else None
    with enable_grad(), _RunOrder() as order:
        if calls is None:
            out = model(*example_inputs)
        else:
            with calls:
                out = model(*example_inputs)
    return draw(_outputs(out), params, inputs, show_shapes, show_saved, max_nodes, collapse,
                calls=None if calls is None else calls.boxes(params), ran=order.ran)


def _outputs(out):
    if isinstance(out, Tensor):
        return out
    if isinstance(out, dict) and all(isinstance(v, Tensor) for v in out.values()):
        return {str(k): v for k, v in out.items()}
    tensors = [x for x in tree_flatten(out)[0] if isinstance(x, Tensor)]
    if not tensors:
        raise TypeError(f"model_graph: the model returned no tensors (got {type(out).__name__})")
    return tensors


class _Calls:
    """While entered: every submodule's forward is wrapped to note each call (its module path
    and the call it ran inside), and every bind() notes the call it ran in, keyed by the inputs
    tuple that the tape node keeps (so a node finds its call by identity)."""

    def __init__(self, model: Module):
        self.model = model
        self.calls: list[tuple[str, str, int | None]] = []  # (path, class name, parent call)
        self.stack: list[int] = []
        self.made_in: dict[int, tuple] = {}  # id(inputs tuple) -> (inputs, call)
        self.returned: dict[int, tuple] = {}  # id(node) -> (node, call) for unobserved nodes
        self.originals: list = []

    def __enter__(self):
        for path, m in self.model.named_modules():
            if path:  # the model itself: every operation is inside it, a box says nothing
                self.originals.append((m, m.__dict__.get("forward", _MISSING)))
                object.__setattr__(m, "forward", self._wrap(path, m, m.forward))
        primitive._observers.append(self._observe)
        return self

    def __exit__(self, *exc):
        primitive._observers.remove(self._observe)
        for m, forward in reversed(self.originals):
            if forward is _MISSING:
                m.__dict__.pop("forward", None)
            else:
                object.__setattr__(m, "forward", forward)
        return False

    def _wrap(self, path: str, module: Module, forward):
        def call(*args, **kwargs):
            key = len(self.calls)
            self.calls.append((path, type(module).__name__, self.stack[-1] if self.stack else None))
            self.stack.append(key)
            try:
                out = forward(*args, **kwargs)
            finally:
                self.stack.pop()
            self._claim_returned(out, args, kwargs, key)
            return out

        return call

    def _observe(self, prim, xs) -> None:
        if self.stack:
            self.made_in[id(xs)] = (xs, self.stack[-1])

    def _claim_returned(self, out, args, kwargs, key: int) -> None:
        """A returned tensor made by a rule outside bind() (custom_vjp, Function, checkpoint)
        was made in this call unless it came in as an argument; inner calls claim first."""
        given = {id(x) for x in tree_flatten([list(args), kwargs])[0]}
        for t in tree_flatten(out)[0]:
            node = getattr(t, "_node", None)
            if (node is not None and id(t) not in given and id(node) not in self.returned
                    and self._observed(node) is None):
                self.returned[id(node)] = (node, key)

    def _observed(self, node):
        entry = self.made_in.get(id(node.inputs))
        return entry[1] if entry is not None and entry[0] is node.inputs else None

    def op_group(self, node):
        key = self._observed(node)
        if key is None:
            entry = self.returned.get(id(node))
            key = entry[1] if entry is not None and entry[0] is node else None
        return key

    def leaf_group_for(self, params: dict):
        """Parameters go in the box of the module that owns them, if it was called once."""
        calls_of: dict[str, list[int]] = {}
        for key, (path, _, _) in enumerate(self.calls):
            calls_of.setdefault(path, []).append(key)
        owner = {id(p): name.rpartition(".")[0] for name, p in params.items()}

        def group(t: Tensor):
            keys = calls_of.get(owner.get(id(t), ""), ())
            return keys[0] if len(keys) == 1 else None

        return group

    def boxes(self, params: dict) -> Calls:
        """What the drawing needs to know of the calls: which box each node goes in, the boxes'
        labels and nesting, and the module path of each call."""
        total: dict[str, int] = {}
        for path, _, _ in self.calls:
            total[path] = total.get(path, 0) + 1
        seen: dict[str, int] = {}
        clusters = {}
        for key, (path, cls, parent) in enumerate(self.calls):
            seen[path] = seen.get(path, 0) + 1
            label = f"{path}: {cls}"
            if total[path] > 1:
                label += f" (call {seen[path]} of {total[path]})"
            clusters[key] = (label, parent)
        return Calls(self.op_group, self.leaf_group_for(params), clusters,
                     {key: path for key, (path, _, _) in enumerate(self.calls)})


class _RunOrder:
    """While entered: notes the order of every bind, keyed by the inputs tuple that the tape
    node keeps; ran(node) is then the node's place in the run (None: not seen, as an operation
    that a custom_vjp or Function rule put on the tape)."""

    def __enter__(self):
        self.seen: dict[int, tuple] = {}
        self.count = 0
        primitive._observers.append(self._observe)
        return self

    def __exit__(self, *exc):
        primitive._observers.remove(self._observe)
        return False

    def _observe(self, prim, xs) -> None:
        self.count += 1  # the tuple is kept, so its id is not reused while we look
        self.seen[id(xs)] = (xs, self.count)

    def ran(self, node) -> int | None:
        entry = self.seen.get(id(node.inputs))
        return entry[1] if entry is not None and entry[0] is node.inputs else None
