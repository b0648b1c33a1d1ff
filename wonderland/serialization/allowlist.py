"""The classes and functions wl.load may bring back, as PyTorch's weights_only allowlist: a saved
Module or other object (or a function it holds, as a Transformer layer holds its activation) comes
back only when the program names its class or function (add_safe_globals, or the safe_globals
context). A file names them by their dotted path; wonderland looks that path up among what the
program allowed and never imports or runs anything the file names."""
from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

_ALLOWED: list[Any] = []  # classes and functions, or (one, "the dotted name files use for it")


def global_name(obj: Any) -> str | None:
    """The dotted name a file records for a class or function ('model.RNNModel'), or None for
    one that has no name to find it by (a lambda, a function defined inside another)."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname:
        return None
    return f"{module}.{qualname}"


def _check(entries: Iterable[Any]) -> list[Any]:
    entries = list(entries)
    for entry in entries:
        named = entry[0] if isinstance(entry, tuple) and len(entry) == 2 else entry
        if not callable(named) or global_name(named) is None:
            raise TypeError(f"safe_globals: expected classes or named functions (or (one, "
                            f"name) pairs), got {entry!r}")
    return entries


def add_safe_globals(allowed: Iterable[Any]) -> None:
    """Allow these classes and functions (or (one, name) pairs) in every later wl.load."""
    _ALLOWED.extend(_check(allowed))


def get_safe_globals() -> list[Any]:
    """What is allowed now, in the order it was added."""
    return list(_ALLOWED)


def clear_safe_globals() -> None:
    """Forget everything allowed."""
    _ALLOWED.clear()


@contextlib.contextmanager
def safe_globals(allowed: Iterable[Any]) -> Iterator[None]:
    """Allow these classes and functions for the loads inside the `with` block only."""
    added = _check(allowed)
    _ALLOWED.extend(added)
    try:
        yield
    finally:
        del _ALLOWED[len(_ALLOWED) - len(added):]


def find(name: str) -> Any:
    """The allowed class or function a file calls `name`, or None."""
    for entry in reversed(_ALLOWED):
        found, alias = entry if isinstance(entry, tuple) else (entry, global_name(entry))
        if alias == name:
            return found
    return None
