"""wl.compile(fn): trace a function of tensors once per input signature into a plan of
primitives, then replay the plan on later calls.

The first call with a new signature (the structure of the arguments, each tensor's shape,
dtype, device and requires_grad, and every other argument's value) runs fn eagerly while
recording every primitive it binds (trace.py); later calls with that signature run the
recorded forwards on arrays (plan.py): no tape, no tensors in between, no Python of fn's own,
and each intermediate released after its last use. A function the trace refuses (it reads
values into Python, draws random numbers, writes in place, or returns outputs that need
gradients) runs eagerly for that signature, always; `explain()` says why.

As torch.jit.trace: Python values computed inside fn are frozen at the trace, and tensors fn
reads without receiving them (a model's parameters) are read afresh at each call. A training
step compiles when it is written as a function that returns its new values (wl.func.grad and
arithmetic on the parameters), not one that calls backward() or an optimizer's step()."""
from __future__ import annotations

import functools
import os
from collections.abc import Callable, Hashable
from typing import Any

from ..autodiff.pytree import tree_flatten, tree_unflatten
from ..core import primitive
from ..core.grad_mode import is_grad_enabled
from ..core.tensor import Tensor
from . import plan, trace


class CompiledFunction:
    """fn with a plan per input signature; calling it traces or replays (see the module)."""

    def __init__(self, fn: Callable) -> None:
        self.fn = fn
        self._plans: dict[Hashable, plan.Plan | str] = {}  # signature -> plan, or why none
        self._output_specs: dict[Hashable, Any] = {}
        functools.update_wrapper(self, fn)

    def __call__(self, *args, **kwargs):
        if primitive._tracer is not None:  # inside another compiled function's trace: let it
            return self.fn(*args, **kwargs)  # see every primitive
        leaves, spec = tree_flatten((args, kwargs))
        key = _signature(leaves, spec)
        found = self._plans.get(key)
        if found is None:
            return self._trace(key, leaves, args, kwargs)
        if isinstance(found, str):  # refused: eager, as the function itself
            return self.fn(*args, **kwargs)
        outputs = found.replay([x for x in leaves if isinstance(x, Tensor)])
        return tree_unflatten(self._output_specs[key], outputs)

    def _trace(self, key, leaves, args, kwargs):
        """Run fn once, eagerly, recording; keep its plan, or the reason it has none."""
        recorder = trace.Recorder([x for x in leaves if isinstance(x, Tensor)])
        with trace.tracing(recorder):
            result = self.fn(*args, **kwargs)
        recorder.check_unmoved()
        outputs, out_spec = tree_flatten(result)
        _check_outputs(recorder, outputs)
        if recorder.refused is None:
            self._plans[key] = plan.Plan.from_trace(recorder, outputs)
            self._output_specs[key] = out_spec
        else:
            self._plans[key] = recorder.refused
            if os.environ.get("WONDERLAND_COMPILE_VERBOSE"):
                print(f"wl.compile: {_name(self.fn)} runs eagerly: {recorder.refused}")
        return result

    def explain(self) -> list[str]:
        """One line per signature traced so far: the number of steps replayed, or why the
        function runs eagerly for it."""
        return [p if isinstance(p, str) else f"{len(p)} primitives replayed"
                for p in self._plans.values()]


def compile(fn: Callable | None = None, *, fullgraph: bool = False, dynamic: bool | None = None,
            backend: str = "wonderland", mode: str | None = None,
            options: dict | None = None, disable: bool = False):
    """torch.compile's signature: `wl.compile(fn)` or `@wl.compile`. fullgraph=True raises
    where the function cannot be traced instead of running it eagerly; disable=True returns fn
    itself. dynamic, mode and options are accepted and ignored (one plan per shape)."""
    del dynamic, mode, options
    if backend != "wonderland":
        raise ValueError(f"compile: backend {backend!r} is not available; wonderland has its "
                         f"own tracer only (backend='wonderland')")
    if fn is None:
        return functools.partial(compile, fullgraph=fullgraph, disable=disable)
    if disable:
        return fn
    compiled = CompiledFunction(fn)
    return _FullGraph(compiled) if fullgraph else compiled


class _FullGraph:
    """A compiled function that raises where it cannot be traced (fullgraph=True)."""

    def __init__(self, compiled: CompiledFunction) -> None:
        self.compiled = compiled
        functools.update_wrapper(self, compiled.fn)

    def __call__(self, *args, **kwargs):
        out = self.compiled(*args, **kwargs)
        refused = [p for p in self.compiled._plans.values() if isinstance(p, str)]
        if refused:
            raise RuntimeError(f"compile(fullgraph=True): {_name(self.compiled.fn)} cannot be "
                               f"traced: {refused[0]}")
        return out

    def explain(self) -> list[str]:
        return self.compiled.explain()


def _check_outputs(recorder: trace.Recorder, outputs: list) -> None:
    for out in outputs:
        if not isinstance(out, Tensor):
            recorder.refuse(f"it returns a {type(out).__name__}, not only tensors (a replay "
                            f"returns the traced tensors' new values)")
        elif out._requires_grad and is_grad_enabled():
            recorder.refuse("its outputs need gradients, and a replay records no tape: compile "
                            "a function that returns its gradients (wl.func.grad), or call it "
                            "under wl.no_grad()")


def _signature(leaves: list, spec) -> Hashable:
    parts = []
    for x in leaves:
        if isinstance(x, Tensor):
            parts.append(("tensor", x.shape, x._data.dtype.str, str(x._device), x._requires_grad,
                          x._data.strides))
        else:
            try:
                hash(x)
                parts.append(("value", type(x), x))
            except TypeError:  # unhashable: the object itself decides (a new one traces anew)
                parts.append(("object", id(x)))
    return (repr(spec), tuple(parts), is_grad_enabled())


def _name(fn) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)


__all__ = ["compile", "CompiledFunction"]
