"""A nested checkpoint as JSON plus arrays: dicts (plain or ordered, with any plain keys: the int
keys of optimizer states stay ints), lists, tuples and sets of tensors, Parameters, arrays,
numbers, strings, booleans, None, dtypes and devices. Each tensor moves into the array table under
its dotted path ('model.fc.weight') and the tree keeps a reference to it. A Module or other plain
object is kept as its class's dotted name and its attributes (as pickle would, but as data), a
named function or class as its dotted name: they come back only if the loading program allows
them (see allowlist). Lambdas, bound methods, partials and modules are refused."""
from __future__ import annotations

import functools
import json
import types
from collections import OrderedDict
from typing import Any

import numpy as np

from ..core.device import Device
from ..core.dtype import DType, as_dtype
from ..core.tensor import Tensor
from ..nn.parameter import Parameter
from . import allowlist

_PLAIN = (bool, int, float, str, type(None))
_ALLOWED = ("tensors, arrays, numbers, strings, booleans, None, dtypes, devices, lists, tuples, "
            "sets and dicts of them, and Modules and other objects made of them")
# what has a __dict__ but is code, not data
_CODE = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.ModuleType, type,
         functools.partial)


class IllFormedError(Exception):
    """A tree that no wl.save writes; wl.load names the file."""


class DisallowedClassesError(Exception):
    """A tree holding classes or functions the loading program has not allowed (their names)."""

    def __init__(self, names: list[str]):
        super().__init__(", ".join(names))
        self.names = names


def as_array(t) -> np.ndarray:
    # np.asarray(order="C") rather than ascontiguousarray, which would make 0-d arrays 1-d
    return np.asarray(t.detach() if isinstance(t, Tensor) else t, order="C")


def _refuse(obj: Any, where: str, fn: str) -> TypeError:
    return TypeError(f"{fn}: {where} is a {type(obj).__name__}; only {_ALLOWED} are saved (code "
                     f"is never saved; for an Optimizer, save its state_dict())")


def _attributes(obj: Any) -> dict | None:
    """The attributes that stand for a plain object (a Module, a config), or None for anything
    that is not one (code, builtins, objects without a __dict__)."""
    if isinstance(obj, _CODE) or type(obj).__module__ == "builtins":
        return None
    return getattr(obj, "__dict__", None)


class Encoder:
    """Turns one object into (JSON-able tree, {name: array}); a tensor met twice is stored once."""

    def __init__(self, fn: str):
        self.fn = fn
        self.arrays: dict[str, np.ndarray] = {}
        self._names: dict[int, str] = {}
        self._keep: list = []  # the encoded tensors stay alive, so their ids stay unique
        self._objects: dict[int, int] = {}  # id -> its number: shared and cyclic objects

    def _name(self, obj, path: str) -> str:
        if id(obj) not in self._names:
            name, n = path or "tensor", 1
            while name in self.arrays:
                name, n = f"{path or 'tensor'}~{n}", n + 1
            self.arrays[name] = as_array(obj)
            self._names[id(obj)] = name
            self._keep.append(obj)
        return self._names[id(obj)]

    def encode(self, obj: Any, where: str, path: str = "") -> Any:
        """obj as a JSON-able tree; `where` names it in errors ("obj['model'][0]")."""
        if isinstance(obj, Parameter):
            tag = "__parameter__" if obj.requires_grad else "__frozen_parameter__"
            return {tag: self._name(obj, path)}
        if isinstance(obj, Tensor):
            tag = "__leaf__" if obj.requires_grad and obj.is_leaf else "__tensor__"
            return {tag: self._name(obj, path)}
        if isinstance(obj, np.ndarray):
            return {"__array__": self._name(obj, path)}
        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, _PLAIN):
            return obj
        if isinstance(obj, (list, tuple)):
            items = [self.encode(v, f"{where}[{i}]", _join(path, i)) for i, v in enumerate(obj)]
            return items if isinstance(obj, list) else {"__tuple__": items}
        if isinstance(obj, (set, frozenset)):
            items = [self.encode(v, f"an element of {where}", path) for v in obj]
            return {"__set__" if isinstance(obj, set) else "__frozenset__": items}
        if isinstance(obj, DType):
            return {"__dtype__": obj.name}
        if isinstance(obj, Device):
            return {"__device__": str(obj)}
        if isinstance(obj, dict):
            # JSON keys are strings: keep the pairs so int keys (optimizer state) come back ints
            pairs = [[self._key(k, where), self.encode(v, f"{where}[{k!r}]", _join(path, k))]
                     for k, v in obj.items()]
            return {"__ordered_dict__" if isinstance(obj, OrderedDict) else "__dict__": pairs}
        if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType, type)):
            name = allowlist.global_name(obj)
            if name is None:
                raise _refuse(obj, where, self.fn)
            return {"__global__": name}
        attributes = _attributes(obj)
        if attributes is None:
            raise _refuse(obj, where, self.fn)
        if id(obj) in self._objects:
            return {"__ref__": self._objects[id(obj)]}
        number = self._objects[id(obj)] = len(self._objects)
        self._keep.append(obj)
        state = {"__dict__": [[k, self.encode(v, f"{where}.{k}", _join(path, k))]
                              for k, v in attributes.items()]}
        return {"__object__": [allowlist.global_name(type(obj)), number, state]}

    def _key(self, key: Any, where: str) -> Any:
        if isinstance(key, (_PLAIN, np.generic)) or (
                isinstance(key, tuple) and all(isinstance(k, _PLAIN) for k in key)):
            return self.encode(key, f"a key of {where}")
        raise TypeError(f"{self.fn}: {where} has the key {key!r}, a {type(key).__name__}; dict "
                        f"keys are saved when they are numbers, strings, booleans, None or "
                        f"tuples of them")


def _join(path: str, key: Any) -> str:
    if not isinstance(key, (str, int)):  # tuple keys and the like: the name is only a label
        key = "_"
    return f"{path}.{key}" if path else str(key)


def encode(obj: Any, fn: str, where: str = "obj") -> tuple[str, dict]:
    """(the tree as JSON text, {name: array}) for wl.save."""
    encoder = Encoder(fn)
    tree = encoder.encode(obj, where)
    return json.dumps(tree, allow_nan=True), encoder.arrays


def decode(text: str, arrays: dict, place) -> Any:
    """The object a tree written by encode describes; place(array) makes each tensor. A name
    that appears twice gives the same tensor twice (a shared weight stays shared)."""
    try:
        tree = json.loads(text)
    except ValueError:
        raise IllFormedError("its structure entry is not JSON") from None
    named = _allowed(tree)
    made: dict = {}
    objects: dict[int, Any] = {}

    def array(tag: str, name) -> Any:
        if not isinstance(name, str) or name not in arrays:
            raise IllFormedError(f"its structure refers to array {name!r}, which the file does "
                                 f"not hold")
        if (tag, name) not in made:
            if tag == "__array__":
                made[tag, name] = arrays[name]
            elif tag in ("__parameter__", "__frozen_parameter__"):
                made[tag, name] = Parameter(place(arrays[name]), tag == "__parameter__")
            else:
                made[tag, name] = place(arrays[name], tag == "__leaf__")
        return made[tag, name]

    def rebuild(name: str, number: int, state: Any) -> Any:
        # as pickle does, without running anything the file names: a bare instance of the
        # allowed class, then its attributes (through __setstate__ where the class has one)
        cls = named[name]
        if not isinstance(cls, type):
            raise IllFormedError(f"its structure builds an object of {name}, which is no class")
        obj = objects[number] = cls.__new__(cls)
        attributes = walk(state)
        if not isinstance(attributes, dict):
            raise IllFormedError(f"its {name} object has no attribute table")
        if callable(getattr(obj, "__setstate__", None)):
            obj.__setstate__(attributes)
        else:
            obj.__dict__.update(attributes)
        return obj

    def walk(obj: Any) -> Any:
        if isinstance(obj, list):
            return [walk(v) for v in obj]
        if not isinstance(obj, dict):
            return obj
        tag, value = next(iter(obj.items())) if len(obj) == 1 else (None, None)
        if tag in ("__tensor__", "__leaf__", "__array__", "__parameter__",
                   "__frozen_parameter__"):
            return array(tag, value)
        if tag == "__tuple__" and isinstance(value, list):
            return tuple(walk(v) for v in value)
        if tag in ("__set__", "__frozenset__") and isinstance(value, list):
            return (set if tag == "__set__" else frozenset)(walk(v) for v in value)
        if tag == "__dtype__" and isinstance(value, str):
            return as_dtype(value)
        if tag == "__device__" and isinstance(value, str):
            return Device(value)
        if tag == "__object__" and _is_object(value) and value[1] not in objects:
            return rebuild(*value)
        if tag == "__global__" and isinstance(value, str):
            return named[value]
        if tag == "__ref__" and isinstance(value, int) and value in objects:
            return objects[value]
        if tag in ("__dict__", "__ordered_dict__") and isinstance(value, list) and all(
                isinstance(p, list) and len(p) == 2 for p in value):
            kind = dict if tag == "__dict__" else OrderedDict
            try:
                return kind((walk(k), walk(v)) for k, v in value)
            except TypeError:  # a list or dict as a key: no wl.save writes one
                raise IllFormedError("its structure has a dict key that is not hashable") from None
        raise IllFormedError(f"its structure holds {json.dumps(obj)[:80]}, which no wl.save "
                             f"writes")

    return walk(tree)


def _is_object(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
            and isinstance(value[1], int) and isinstance(value[2], dict))


def _allowed(tree: Any) -> dict[str, Any]:
    """{name: allowed class or function} for every object's class and every function in the
    tree; DisallowedClassesError names all that the program has not allowed, before anything is
    built."""
    names: set[str] = set()

    def visit(obj: Any) -> None:
        if isinstance(obj, list):
            for v in obj:
                visit(v)
        elif isinstance(obj, dict):
            value = obj.get("__object__")
            if len(obj) == 1 and _is_object(value):
                names.add(value[0])
            if len(obj) == 1 and isinstance(obj.get("__global__"), str):
                names.add(obj["__global__"])
            for v in obj.values():
                visit(v)

    visit(tree)
    found = {name: allowlist.find(name) for name in sorted(names)}
    missing = [name for name, cls in found.items() if cls is None]
    if missing:
        raise DisallowedClassesError(missing)
    return found
