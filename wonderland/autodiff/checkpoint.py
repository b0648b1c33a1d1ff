"""Activation checkpointing: run a block without keeping its intermediate values, and recompute
them during the backward pass, trading one extra forward for memory."""
from __future__ import annotations

from collections.abc import Callable

from ..core import levels, primitive
from ..core.dual import Alias
from ..core.grad_mode import enable_grad, is_grad_enabled, no_grad
from ..core.random import default_generator
from ..core.tensor import Tensor
from .custom_batch import physicals, rebatch
from .custom_node import as_outputs, dual_level_of, is_float_tensor, record


def checkpoint(fn: Callable, *args, preserve_rng_state: bool = True):
    """fn(*args), recording one tape entry instead of fn's operations.

    fn runs under no_grad, so its intermediate tensors are freed at once. The entry's vjp runs fn
    again with grad enabled on fresh aliases of the inputs and backpropagates through that
    recomputation, to the tensor arguments and to the tensors that require grad which fn reads
    from its closure (a model's weights), so gradients are those of fn(*args) itself. With
    preserve_rng_state the recomputation sees the same random numbers (dropout) as the first run.
    Under forward mode (jvp) there is nothing to save, and fn simply runs: fn(*args). Under
    vmap, fn's outputs must be tensors."""
    if not is_grad_enabled() or dual_level_of(args) is not None:
        return fn(*args)
    if levels.innermost("batch") is not None:
        return _under_vmap(fn, args, preserve_rng_state)
    return _checkpoint(fn, args, preserve_rng_state)


def _checkpoint(fn: Callable, args: tuple, preserve_rng_state: bool):
    """checkpoint's work: fn off the tape, then one entry whose vjp recomputes it."""
    state = default_generator.get_state() if preserve_rng_state else None
    seen: dict[int, Tensor] = {}

    def spy(prim, xs):  # under no_grad only tensors from outside fn can require grad
        for x in xs:
            if x._requires_grad:
                seen[id(x)] = x

    primitive._observers.append(spy)
    try:
        with no_grad():
            out = fn(*args)
    finally:
        primitive._observers.remove(spy)
    if dual_level_of(as_outputs(out, "checkpoint")[0]) is not None:  # a dual tensor in fn's closure
        return fn(*args)
    arg_ids = {id(a) for a in args}
    closure = [x for k, x in seen.items() if k not in arg_ids]
    arg_pos = [i for i, a in enumerate(args) if is_float_tensor(a)]
    name = f"checkpoint({getattr(fn, '__name__', 'fn')})"

    def rule(gs, ys):
        return _recompute(fn, args, arg_pos, closure, state, gs, name)

    return record(name, rule, [args[i] for i in arg_pos] + closure, out)


def _under_vmap(fn: Callable, args: tuple, preserve_rng_state: bool):
    """checkpoint inside vmap. Unless the batched arguments require grad themselves (vmap of
    grad, whose tape is on the batched tensors), the tape lives on vmap's physical tensors:
    checkpoint the vmapped fn there. fn simply runs when no argument is batched."""
    from .vmap import vmap

    level = levels.top_level([a for a in args if isinstance(a, Tensor)])
    if level is None or levels.kind(level) != "batch":
        return fn(*args)
    if any(isinstance(a, Tensor) and a._vlevel == level and a._requires_grad for a in args):
        return _checkpoint(fn, args, preserve_rng_state)
    phys, axes = physicals(args, level)
    mapped = vmap(fn, in_axes=tuple(axes), randomness=levels.info(level).randomness)
    return rebatch(checkpoint(mapped, *phys, preserve_rng_state=preserve_rng_state), level)


def _recompute(fn, args: tuple, arg_pos: list[int], closure: list, state, gs: list,
               name: str) -> list:
    """Cotangents of the float tensor arguments, then of the closure tensors, by running fn
    again on the tape and backpropagating gs through it."""
    from .reverse import grad

    create = is_grad_enabled()  # True inside backward(create_graph=True)
    with enable_grad():
        fresh = list(args)
        for i in arg_pos:
            a = args[i]
            if create:
                fresh[i] = Alias()(a)  # stays connected to a: the cotangent is differentiable
            else:
                fresh[i] = a.detach().requires_grad_(a._requires_grad)
        saved = default_generator.get_state() if state is not None else None
        if state is not None:
            default_generator.set_state(state)
        try:
            outs, _ = as_outputs(fn(*fresh), name)
        finally:
            if saved is not None:
                default_generator.set_state(saved)
    pairs = [(o, g) for o, g in zip(outs, gs)
             if g is not None and isinstance(o, Tensor) and o._requires_grad]
    wanted = [fresh[i] for i in arg_pos if fresh[i]._requires_grad] + closure
    if not pairs or not wanted:
        return [None] * (len(arg_pos) + len(closure))
    got = iter(grad([o for o, _ in pairs], wanted, [g for _, g in pairs],
                    create_graph=create, allow_unused=True))
    return [next(got) if fresh[i]._requires_grad else None for i in arg_pos] + \
        [next(got) for _ in closure]
