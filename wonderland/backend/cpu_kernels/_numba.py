"""numba, set up for the kernels: its own thread pool, unless the user chose a threading layer
(its OpenMP layer kept threads spinning against OpenBLAS's: a CNN step ran 25% slower with the
kernels than without)."""
import os

import numba
from numba import njit, prange

if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"

__all__ = ["PARALLEL_MIN_SIZE", "contiguous_alike", "njit", "prange"]

# Below this many elements a parallel kernel declines: starting the thread pool (about 0.1 ms
# on the workqueue layer) costs more than NumPy's passes over so few elements.
PARALLEL_MIN_SIZE = 1 << 16


def contiguous_alike(arrays, dtypes, min_size: int = PARALLEL_MIN_SIZE) -> bool:
    """Whether a kernel takes these arrays: C-contiguous, one shape, one of dtypes, and at least
    min_size elements."""
    first = arrays[0]
    return (first.size >= min_size and first.dtype in dtypes
            and all(a.dtype == first.dtype and a.flags.c_contiguous and a.shape == first.shape
                    for a in arrays))
