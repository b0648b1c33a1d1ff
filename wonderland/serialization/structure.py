"""A nested checkpoint as JSON plus arrays: dicts (plain or ordered, with any plain keys: the int
keys of optimizer states stay ints), lists and tuples of tensors, arrays, numbers, strings,
booleans and None. Each tensor moves into the array table under its dotted path ('model.fc.weight')
and the tree keeps a reference to it; anything else (a Module, an Optimizer) is refused."""
from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import numpy as np

from ..core.tensor import Tensor

_PLAIN = (bool, int, float, str, type(None))
_ALLOWED = ("tensors, arrays, numbers, strings, booleans, None and lists, tuples and dicts of "
            "them")


class IllFormedError(Exception):
    """A tree that no wl.save writes; wl.load names the file."""


def as_array(t) -> np.ndarray:
    # np.asarray(order="C") rather than ascontiguousarray, which would make 0-d arrays 1-d
    return np.asarray(t.detach() if isinstance(t, Tensor) else t, order="C")


def _refuse(obj: Any, where: str, fn: str) -> TypeError:
    kind = type(obj).__name__
    if callable(getattr(obj, "state_dict", None)):  # a Module, an Optimizer, a scheduler...
        return TypeError(f"{fn}: {where} is a {kind}, which is not saved whole (that would need "
                         f"pickle, which can run code when loaded); save its state_dict() "
                         f"instead, and load it back with load_state_dict()")
    return TypeError(f"{fn}: {where} is a {kind}; only {_ALLOWED} are saved (for a Module or an "
                     f"Optimizer, save its state_dict())")


class Encoder:
    """Turns one object into (JSON-able tree, {name: array}); a tensor met twice is stored once."""

    def __init__(self, fn: str):
        self.fn = fn
        self.arrays: dict[str, np.ndarray] = {}
        self._names: dict[int, str] = {}
        self._keep: list = []  # the encoded tensors stay alive, so their ids stay unique

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
        if isinstance(obj, dict):
            # JSON keys are strings: keep the pairs so int keys (optimizer state) come back ints
            pairs = [[self._key(k, where), self.encode(v, f"{where}[{k!r}]", _join(path, k))]
                     for k, v in obj.items()]
            return {"__ordered_dict__" if isinstance(obj, OrderedDict) else "__dict__": pairs}
        raise _refuse(obj, where, self.fn)

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
    made: dict = {}

    def array(tag: str, name) -> Any:
        if not isinstance(name, str) or name not in arrays:
            raise IllFormedError(f"its structure refers to array {name!r}, which the file does "
                                 f"not hold")
        if (tag, name) not in made:
            made[tag, name] = (arrays[name] if tag == "__array__"
                               else place(arrays[name], tag == "__leaf__"))
        return made[tag, name]

    def walk(obj: Any) -> Any:
        if isinstance(obj, list):
            return [walk(v) for v in obj]
        if not isinstance(obj, dict):
            return obj
        tag, value = next(iter(obj.items())) if len(obj) == 1 else (None, None)
        if tag in ("__tensor__", "__leaf__", "__array__"):
            return array(tag, value)
        if tag == "__tuple__" and isinstance(value, list):
            return tuple(walk(v) for v in value)
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
