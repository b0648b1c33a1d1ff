"""One stack of transform levels shared by forward mode ('dual') and vmap ('batch').

Every jvp and every vmap opens a level; nesting order is the level order, innermost highest.
bind() handles the innermost level an input carries first, then the next one down, so any
transform composes with any other without confusing whose perturbation or batch is whose."""
from __future__ import annotations

import itertools

_kinds: dict[int, str] = {}  # open levels -> their kind; dicts keep insertion (nesting) order
_info: dict[int, object] = {}  # what a level's transform wants known (vmap: size, randomness)
_counter = itertools.count(1)


def enter(kind: str, info: object = None) -> int:
    level = next(_counter)
    _kinds[level] = kind
    _info[level] = info
    return level


def exit(level: int) -> None:  # noqa: A001  (pairs with enter)
    if not _kinds or next(reversed(_kinds)) != level:
        raise RuntimeError(f"transform level {level} closed out of order "
                           f"(open: {list(_kinds)})")
    del _kinds[level]
    del _info[level]


def info(level: int) -> object:
    return _info[level]


def kind(level: int) -> str:
    return _kinds[level]


def innermost(kind_: str) -> int | None:
    """The innermost open level of a kind, or None."""
    for level in reversed(_kinds):
        if _kinds[level] == kind_:
            return level
    return None


def is_open(level: int) -> bool:
    return level in _kinds


def top_level(xs) -> int | None:
    """The innermost open level that any input carries (a tangent or a batch dim), or None."""
    if not _kinds:
        return None
    best = None
    for x in xs:
        level = x._vlevel
        if level is not None and level in _kinds and (best is None or level > best):
            best = level
        if x._tangents:
            for level in x._tangents:
                if level in _kinds and (best is None or level > best):
                    best = level
    return best
