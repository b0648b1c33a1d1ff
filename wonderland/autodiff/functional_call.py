"""functional_call: run an object with some of its tensor attributes swapped for given tensors,
so that a model becomes a pure function of a dict of parameters (for grad, vmap, hessian)."""
from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable, Mapping
from typing import Any

from ..core.tensor import Tensor


def _step(obj, part: str, path: str, root) -> Any:
    try:
        if isinstance(obj, (list, tuple)):
            return obj[int(part)]
        if isinstance(obj, dict):
            return obj[part]
        return getattr(obj, part)
    except (AttributeError, KeyError, IndexError, ValueError):
        raise AttributeError(f"functional_call: {type(root).__name__} has no attribute "
                             f"{path!r} (nothing at {part!r})") from None


def _put(obj, part: str, value, path: str) -> None:
    if isinstance(obj, list):
        obj[int(part)] = value
    elif isinstance(obj, dict):
        obj[part] = value
    elif isinstance(obj, tuple):
        raise TypeError(f"functional_call: cannot replace {path!r}: it lives in a tuple")
    else:
        setattr(obj, part, value)


def _is_plain_function(fn) -> bool:
    return isinstance(fn, (types.FunctionType, types.BuiltinFunctionType, functools.partial))


def functional_call(module_or_fn: Callable, params: Mapping[str, Tensor], *args, **kwargs):
    """Call `module_or_fn(*args, **kwargs)` with the attributes named by params' keys (dotted
    paths such as "layer.weight"; list items by index, dict items by key) replaced by params'
    values, and restored afterwards, even if the call raises. A plain function is called as
    fn(params, *args, **kwargs); a bound method swaps attributes of the object it is bound to."""
    if _is_plain_function(module_or_fn):
        return module_or_fn(params, *args, **kwargs)
    if not isinstance(params, Mapping):
        raise TypeError(f"functional_call: params must be a dict of name -> tensor, got "
                        f"{type(params).__name__}")
    root = module_or_fn.__self__ if inspect.ismethod(module_or_fn) else module_or_fn
    swapped = []
    try:
        for path, value in params.items():
            *owners, name = path.split(".")
            owner = root
            for part in owners:
                owner = _step(owner, part, path, root)
            old = _step(owner, name, path, root)
            _put(owner, name, value, path)
            swapped.append((owner, name, old, path))
        return module_or_fn(*args, **kwargs)
    finally:
        for owner, name, old, path in reversed(swapped):
            _put(owner, name, old, path)


__all__ = ["functional_call"]
