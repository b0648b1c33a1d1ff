"""Reverse mode: walk the tape from the outputs back to the leaves, one node at a time.

The walk is iterative (no recursion limit), visits tensors in reverse topological order so each
cotangent is complete before it is used, and frees every node it consumes unless retain_graph."""
from __future__ import annotations

from collections.abc import Sequence

from ..core import inplace, primitive
from ..core.grad_mode import set_grad_enabled
from ..core.tensor import Tensor


def _topological_order(roots: Sequence[Tensor]) -> list[Tensor]:
    """Tensors reachable from the roots through the tape, each after every tensor that reads it."""
    order, seen = [], set()
    stack = [(r, False) for r in roots if r._node is not None or r._requires_grad]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        node = t._node
        if node is not None and node.inputs is not None:
            for x in node.inputs:
                if x._requires_grad and id(x) not in seen:
                    stack.append((x, False))
    order.reverse()
    return order


def _seed(out: Tensor, g) -> Tensor:
    if g is None:
        if out.numel() != 1:
            raise RuntimeError(f"grad can be implicitly created only for scalar outputs; "
                               f"got shape {out.shape}: pass a gradient of that shape")
        if out.__class__ is Tensor:  # (a BatchedTensor makes its ones through ones_like)
            return Tensor._make(out.device.xp.ones(out.shape, dtype=out._data.dtype), out.device)
        from ..ops.creation import ones_like

        return ones_like(out)
    if not isinstance(g, Tensor):
        from ..ops.creation import tensor

        g = tensor(g, dtype=out.dtype, device=out.device)  # (Tensor(3) would be a shape)
    if g.device != out.device:
        raise RuntimeError(f"gradient is on {g.device} but the output is on {out.device}")
    if g.shape != out.shape:
        raise RuntimeError(f"gradient has shape {g.shape} but the output has shape {out.shape}")
    return g


def _run_hooks(hooks, g: Tensor) -> Tensor:
    for hook in list(hooks):
        r = hook(g)
        if r is None:
            continue
        if not isinstance(r, Tensor) or r.shape != g.shape:
            what = f"shape {r.shape}" if isinstance(r, Tensor) else type(r).__name__
            raise RuntimeError(f"hook {getattr(hook, '__name__', hook)} returned {what}; "
                               f"expected None or a tensor of shape {g.shape}")
        g = r
    return g


_FREED = ("trying to backward through the graph a second time (or to use saved tensors after "
          "they were freed); pass retain_graph=True to the first backward if you need to walk "
          "it again")


def _leading_to(order: list[Tensor], wanted: set[int]) -> set[int]:
    """The tensors of `order` from which a wanted tensor can be reached (the wanted included):
    the only ones whose vjp a capture needs, as autograd.grad runs only the needed nodes."""
    hit: set[int] = set()
    for t in reversed(order):  # inputs before the tensors that read them
        node = t._node
        if id(t) in wanted or (node is not None and node.inputs is not None
                               and any(id(x) in hit for x in node.inputs)):
            hit.add(id(t))
    return hit


def run_backward(outputs: Sequence[Tensor], grad_outputs: Sequence, retain_graph: bool,
                 create_graph: bool, capture: Sequence[Tensor] | None = None) -> dict:
    """Propagate cotangents from `outputs`. With `capture`, return {id: cotangent} for those
    tensors and leave .grad alone; otherwise accumulate into leaves (and retain_grad tensors)."""
    for out in outputs:
        if not out._requires_grad:
            raise RuntimeError("element of outputs does not require grad and has no grad_fn: "
                               "was it computed under no_grad, or from tensors without "
                               "requires_grad=True?")
    seeds = [_seed(o, g) for o, g in zip(outputs, grad_outputs)]
    order = _topological_order(outputs)
    wanted = None if capture is None else {id(t) for t in capture}
    needed = None if wanted is None else _leading_to(order, wanted)
    freed_seen = False
    for t in order:  # report a freed graph before any .grad changes
        if t._node is not None and t._node.inputs is None and id(t) not in (wanted or ()):
            if needed is None or id(t) in needed:
                raise RuntimeError(_FREED)  # (a wanted tensor's own node need not be walked)
            freed_seen = True  # it may have led to a wanted tensor: we can no longer tell
    captured: dict[int, Tensor] = {}
    cot: dict[int, Tensor] = {}
    for o, s in zip(outputs, seeds):
        cot[id(o)] = cot[id(o)] + s if id(o) in cot else s
    monitor = primitive._anomaly  # anomaly mode checks each vjp's cotangents
    with set_grad_enabled(create_graph):
        for i, t in enumerate(order):
            order[i] = None  # release our reference as soon as we are done with t
            g = cot.pop(id(t), None)
            if g is None or (needed is not None and id(t) not in needed):
                continue
            if t._hooks:
                g = _run_hooks(t._hooks, g)
            node = t._node
            if wanted is not None:
                if id(t) in wanted:
                    captured[id(t)] = g
            elif node is None or t._retains_grad:
                t.grad = g if t.grad is None else t.grad + g
            if node is None or node.inputs is None:
                continue
            inputs = node.inputs
            if needed is not None and not any(id(x) in needed for x in inputs):
                continue
            if getattr(node, "versions", None) is not None:  # (in-place ops have run)
                inplace.check_versions(node, t)
            cots = node.prim.vjp(g, t, *inputs) if monitor is None else monitor.vjp(node, g, t)
            for x, gx in zip(inputs, cots):
                if gx is None or not x._requires_grad:
                    continue
                if gx.shape != x.shape:
                    raise RuntimeError(f"{node.prim.name}.vjp returned a cotangent of shape "
                                       f"{gx.shape} for an input of shape {x.shape}")
                k = id(x)
                cot[k] = cot[k] + gx if k in cot else gx
            if not retain_graph:
                node.inputs = None
    if freed_seen and len(captured) < len(wanted):
        raise RuntimeError(_FREED)
    return captured


def _as_seq(x) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs=None) -> None:
    """Accumulate the gradients of `tensors` into the .grad of the leaves (PyTorch semantics).

    With `inputs`, accumulate only into those tensors."""
    tensors = _as_seq(tensors)
    grads = _as_seq(grad_tensors) or [None] * len(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is None:
        run_backward(tensors, grads, retain_graph, create_graph)
        return
    inputs = _as_seq(inputs)
    got = run_backward(tensors, grads, retain_graph, create_graph, capture=inputs)
    for x in inputs:
        g = got.get(id(x))
        if g is not None:
            x.grad = g if x.grad is None else x.grad + g


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False,
         materialize_grads: bool = False) -> tuple:
    """The gradients of `outputs` with respect to `inputs`, returned rather than accumulated."""
    outputs = _as_seq(outputs)
    single = isinstance(inputs, Tensor)
    inputs = _as_seq(inputs)
    for x in inputs:
        if not x._requires_grad:
            raise RuntimeError("grad: one of the inputs does not require grad")
    grads = _as_seq(grad_outputs) or [None] * len(outputs)
    if len(grads) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(grads)} grad_outputs")
    if retain_graph is None:
        retain_graph = create_graph
    got = run_backward(outputs, grads, retain_graph, create_graph, capture=inputs)
    result = []
    for i, x in enumerate(inputs):
        g = got.get(id(x))
        if g is None:
            if materialize_grads:
                from ..ops.creation import zeros_like

                g = zeros_like(x)
            elif not allow_unused:
                raise RuntimeError(f"grad: input {i} was not used to compute the outputs; "
                                   f"pass allow_unused=True to get None for it")
        result.append(g)
    return tuple(result) if not single or len(result) != 1 else (result[0],)
