"""numba kernels for CPU primitives whose NumPy forward is bound by one thread or many passes;
loaded when numba is installed (the `fast` extra). Each module registers its kernels."""
from __future__ import annotations

import os

_loaded = False


def load() -> bool:
    """Import and register the kernels once; whether numba is there to compile them."""
    global _loaded
    if not _loaded:
        _loaded = True
        try:
            import numba
        except ImportError:
            return False
        if "NUMBA_THREADING_LAYER" not in os.environ:
            # numba's own thread pool: its OpenMP layer kept threads spinning against
            # OpenBLAS's, which made a CNN step 25% slower with the kernels than without
            numba.config.THREADING_LAYER = "workqueue"
        from . import pool  # noqa: F401  (registers on import)
    return available()


def available() -> bool:
    from ..kernels import _KERNELS

    return bool(_KERNELS.get("cpu"))
