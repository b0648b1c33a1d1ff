"""functional_call: run an object with some of its tensor attributes swapped for given tensors,
so that a model becomes a pure function of a dict of parameters (for grad, vmap, hessian)."""
from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable, Mapping, Sequence
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
    elif part in getattr(obj, "_parameters", ()):  # a Module's slot, written as torch does:
        obj._parameters[part] = value              # a plain tensor may stand in for a Parameter
    elif part in getattr(obj, "_buffers", ()):
        obj._buffers[part] = value
    else:
        setattr(obj, part, value)


def _is_plain_function(fn) -> bool:
    return isinstance(fn, (types.FunctionType, types.BuiltinFunctionType, functools.partial))


def _merge(dicts) -> dict:
    """One dict from a dict or a sequence of dicts whose keys do not overlap (torch's rule)."""
    if isinstance(dicts, Mapping):
        return dict(dicts)
    if not isinstance(dicts, Sequence) or not all(isinstance(d, Mapping) for d in dicts):
        raise TypeError(f"functional_call: parameter_and_buffer_dicts must be a dict of name -> "
                        f"tensor or a tuple of such dicts, got {type(dicts).__name__}")
    merged, repeated = {}, set()
    for d in dicts:
        repeated.update(k for k in d if k in merged)
        merged.update(d)
    if repeated:
        raise ValueError(f"functional_call: {sorted(repeated)} appear in more than one of the "
                         f"parameter_and_buffer_dicts; which value to use is ambiguous")
    return merged


def _module_tensors(module) -> dict[str, Tensor]:
    """Every name of every parameter and buffer of a Module, shared ones under each name."""
    return {**dict(module.named_parameters(remove_duplicate=False)),
            **dict(module.named_buffers(remove_duplicate=False))}


def _tie(module, params: dict) -> dict:
    """params with a given tensor also standing in for the module's other names of the same
    (tied) tensor; two different values for one tied tensor are an error."""
    names_of: dict[int, list[str]] = {}
    for name, t in _module_tensors(module).items():
        names_of.setdefault(id(t), []).append(name)
    out = dict(params)
    for names in (n for n in names_of.values() if len(n) > 1):
        given = [n for n in names if n in params]
        if len({id(params[n]) for n in given}) > 1:
            raise ValueError(f"functional_call: different values given for {given}, which name "
                             f"one tied tensor; pass one of them, or tie_weights=False")
        if given:
            out.update({n: params[given[0]] for n in names})
    return out


def _check_strict(module, params: dict) -> None:
    names = set(_module_tensors(module))
    missing, unexpected = sorted(names - set(params)), sorted(set(params) - names)
    if missing or unexpected:
        raise RuntimeError(f"functional_call(strict=True) on {type(module).__name__}: "
                           f"missing keys {missing}, unexpected keys {unexpected}")


def functional_call(module: Callable, parameter_and_buffer_dicts: Mapping | Sequence[Mapping],
                    args: Any = None, kwargs: Mapping[str, Any] | None = None, *,
                    tie_weights: bool = True, strict: bool = False) -> Any:
    """`module(*args, **kwargs)` with the tensors named by the dicts' keys (dotted paths such as
    "layer.weight"; list items by index, dict items by key) swapped for the dicts' values and
    restored afterwards, even if the call raises; as torch.func.functional_call. `args` is a
    tuple of positional arguments or a single one; a key that names nothing is an error. For a
    Module, tie_weights makes a value given for one name of a shared tensor serve all its names,
    and strict requires exactly its parameters and buffers. A plain function is called as
    fn(params, *args, **kwargs); a bound method swaps attributes of the object it is bound to."""
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    if kwargs is None:
        kwargs = {}
    elif not isinstance(kwargs, Mapping):
        raise TypeError(f"functional_call: kwargs must be a dict, got {type(kwargs).__name__} "
                        f"(pass several positional arguments as one tuple: args=(x, y))")
    params = _merge(parameter_and_buffer_dicts)
    if _is_plain_function(module):
        return module(params, *args, **kwargs)
    root = module.__self__ if inspect.ismethod(module) else module
    is_module = hasattr(root, "named_parameters") and hasattr(root, "named_buffers")
    if strict and not is_module:
        raise TypeError(f"functional_call: strict=True needs a Module, got {type(root).__name__}")
    if tie_weights and is_module:
        params = _tie(root, params)
    if strict:
        _check_strict(root, params)
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
        return module(*args, **kwargs)
    finally:
        for owner, name, old, path in reversed(swapped):
            _put(owner, name, old, path)


__all__ = ["functional_call"]
