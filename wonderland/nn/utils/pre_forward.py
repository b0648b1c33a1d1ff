"""Recompute a module's derived attributes before each forward (what torch does with forward
pre-hooks, used here by weight_norm and spectral_norm): an instance-level forward that runs the
registered functions, then the class's forward."""
from __future__ import annotations

from collections.abc import Callable

from ..module import Module

_SLOT = "_pre_forward"


class _PreForward:
    """The module's forward while functions are registered. It holds the module (not a closure)
    so that copy.deepcopy of the module gives a copy whose functions act on the copy."""

    def __init__(self, module: Module):
        self.module, self.fns = module, {}

    def __call__(self, *args, **kwargs):
        for fn in list(self.fns.values()):
            fn(self.module)
        return type(self.module).forward(self.module, *args, **kwargs)


def registered(module: Module) -> dict:
    """key -> function registered on module (empty if none)."""
    hooks = module.__dict__.get(_SLOT)
    return {} if hooks is None else hooks.fns


def add(module: Module, key: str, fn: Callable[[Module], None]) -> None:
    """Run fn(module) before every forward of module, under `key`."""
    hooks = module.__dict__.get(_SLOT)
    if hooks is None:
        hooks = _PreForward(module)
        object.__setattr__(module, _SLOT, hooks)
        object.__setattr__(module, "forward", hooks)
    hooks.fns[key] = fn


def remove(module: Module, key: str) -> None:
    """Stop running the function registered under key; the class's forward returns alone."""
    hooks = module.__dict__[_SLOT]
    del hooks.fns[key]
    if not hooks.fns:
        del module.__dict__[_SLOT], module.__dict__["forward"]
