"""Pytrees: nested tuples, lists and dicts whose leaves are tensors (or anything else, None too),
flattened to a list of leaves plus a spec that rebuilds the same structure."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TreeSpec:
    """The structure of a pytree. kind: 'leaf', 'tuple', 'list', 'dict' or 'namedtuple';
    meta: the dict's keys (sorted, as JAX, so key order never matters) or the namedtuple class."""

    kind: str
    meta: Any = None
    children: tuple[TreeSpec, ...] = ()

    @property
    def num_leaves(self) -> int:
        return 1 if self.kind == "leaf" else sum(c.num_leaves for c in self.children)

    def __repr__(self) -> str:
        if self.kind == "leaf":
            return "*"
        inner = [repr(c) for c in self.children]
        if self.kind == "dict":
            return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(self.meta, inner)) + "}"
        if self.kind == "list":
            return "[" + ", ".join(inner) + "]"
        name = self.meta.__name__ if self.kind == "namedtuple" else ""
        return name + "(" + ", ".join(inner) + ("," if len(inner) == 1 and not name else "") + ")"


LEAF = TreeSpec("leaf")


def _keys(d: dict) -> tuple:
    try:
        return tuple(sorted(d))
    except TypeError:  # keys that do not sort (mixed types) keep their insertion order
        return tuple(d)


def _flatten(node, leaves: list) -> TreeSpec:
    if isinstance(node, dict):
        keys = _keys(node)
        return TreeSpec("dict", keys, tuple(_flatten(node[k], leaves) for k in keys))
    if isinstance(node, tuple) and hasattr(type(node), "_fields"):
        return TreeSpec("namedtuple", type(node), tuple(_flatten(c, leaves) for c in node))
    if isinstance(node, (tuple, list)):
        kind = "tuple" if isinstance(node, tuple) else "list"
        return TreeSpec(kind, None, tuple(_flatten(c, leaves) for c in node))
    leaves.append(node)
    return LEAF


def tree_flatten(tree) -> tuple[list, TreeSpec]:
    """(leaves in a fixed order, spec). Anything that is not a tuple, list or dict is a leaf."""
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _build(spec: TreeSpec, it):
    if spec.kind == "leaf":
        return next(it)
    children = [_build(c, it) for c in spec.children]
    if spec.kind == "dict":
        return dict(zip(spec.meta, children))
    if spec.kind == "namedtuple":
        return spec.meta(*children)
    return tuple(children) if spec.kind == "tuple" else children


def tree_unflatten(spec: TreeSpec, leaves) -> Any:
    """The tree of structure `spec` holding `leaves` (in tree_flatten's order)."""
    leaves = list(leaves)
    if len(leaves) != spec.num_leaves:
        raise ValueError(f"tree_unflatten: the structure {spec} holds {spec.num_leaves} "
                         f"leaves, got {len(leaves)}")
    return _build(spec, iter(leaves))


def _key_list(keys) -> str:
    return "[" + ", ".join(sorted(map(repr, keys))) + "]"


def _describe(node) -> str:
    if isinstance(node, dict):
        return f"a dict with keys {_key_list(node)}"
    if isinstance(node, (tuple, list)):
        return f"a {type(node).__name__} of {len(node)}"
    return f"a leaf ({type(node).__name__})"


def _flatten_as(spec: TreeSpec, node, leaves: list, path: str) -> None:
    if spec.kind == "leaf":
        if isinstance(node, (dict, tuple, list)):
            raise ValueError(f"at {path or 'the top'}: expected a leaf, got {_describe(node)}")
        leaves.append(node)
        return
    if spec.kind == "dict":
        if not isinstance(node, dict) or set(node) != set(spec.meta):
            raise ValueError(f"at {path or 'the top'}: expected a dict with keys "
                             f"{_key_list(spec.meta)}, got {_describe(node)}")
        for k, c in zip(spec.meta, spec.children):
            _flatten_as(c, node[k], leaves, f"{path}[{k!r}]")
        return
    if not isinstance(node, (tuple, list)) or len(node) != len(spec.children):
        raise ValueError(f"at {path or 'the top'}: expected a sequence of "
                         f"{len(spec.children)}, got {_describe(node)}")
    for i, (c, child) in enumerate(zip(spec.children, node)):
        _flatten_as(c, child, leaves, f"{path}[{i}]")


def tree_flatten_as(spec: TreeSpec, tree) -> list:
    """The leaves of `tree`, which must have the structure `spec` (tuples and lists may stand
    for each other); a mismatch raises ValueError naming where, e.g. "at [0]['w']: ..."."""
    leaves: list = []
    _flatten_as(spec, tree, leaves, "")
    return leaves


def tree_map(fn: Callable, tree, *rest) -> Any:
    """fn applied leaf by leaf; the other trees must have the structure of the first."""
    leaves, spec = tree_flatten(tree)
    others = [tree_flatten_as(spec, r) for r in rest]
    return tree_unflatten(spec, [fn(*xs) for xs in zip(leaves, *others)])


__all__ = ["TreeSpec", "tree_flatten", "tree_unflatten", "tree_flatten_as", "tree_map"]
