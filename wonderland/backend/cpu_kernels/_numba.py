"""numba, set up for the kernels: its own thread pool, unless the user chose a threading layer
(its OpenMP layer kept threads spinning against OpenBLAS's: a CNN step ran 25% slower with the
kernels than without)."""
import os

import numba
from numba import njit, prange

if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"

__all__ = ["njit", "prange"]
