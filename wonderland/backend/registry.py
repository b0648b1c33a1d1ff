"""The table from device type to backend, filled by the backends that import on this machine."""
from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Backend:
    """A device type's array namespace and how to move NumPy arrays in and out of it."""

    name: str
    xp: ModuleType
    to_numpy: callable
    from_numpy: callable


_BACKENDS: dict[str, Backend] = {}


def register_backend(backend: Backend) -> None:
    _BACKENDS[backend.name] = backend


def get_backend(name: str) -> Backend:
    if name not in _BACKENDS:
        if name == "cpu":
            from . import cpu  # noqa: F401  (registers itself)
        else:
            raise RuntimeError(
                f"device type '{name}' is not available here; available: {sorted(available())}"
            )
    return _BACKENDS[name]


def available() -> list[str]:
    return list(_BACKENDS) or ["cpu"]
