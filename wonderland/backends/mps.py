"""wl.backends.mps: Apple's Metal backend, which wonderland does not have."""
from __future__ import annotations

__all__ = ["is_available", "is_built"]


def is_available() -> bool:
    """Whether tensors can be put on 'mps': never here."""
    return False


def is_built() -> bool:
    """Whether this build supports MPS: it does not."""
    return False
