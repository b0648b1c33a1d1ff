"""numba, set up for the kernels: its own thread pool, unless the user chose a threading layer
(its OpenMP layer kept threads spinning against OpenBLAS's: a CNN step ran 25% slower with the
kernels than without). Waking that pool costs 0.1-0.2 ms a call while OpenBLAS's threads spin
after a matrix product, so only the pool kernels use it; the one-pass kernels run on the
calling thread, in vector registers, and win by passes saved."""
import functools
import os

import numba
import numpy as np
from numba import prange

if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"

from . import KERNEL_MIN_SIZE

# Compiled kernels are kept on disk (numba's cache: beside this file, or in the user's cache
# when that folder is read-only), so a later process loads them instead of compiling them again
njit = functools.partial(numba.njit, cache=True)

__all__ = ["FLOATS", "KERNEL_MIN_SIZE", "contiguous_alike", "njit", "prange"]

FLOATS = (np.float32, np.float64)  # numba has no float16: a kernel given one declines


def contiguous_alike(arrays, dtypes, min_size: int = KERNEL_MIN_SIZE) -> bool:
    """Whether a kernel takes these arrays: C-contiguous, one shape, one of dtypes, and at least
    min_size elements."""
    first = arrays[0]
    return (first.size >= min_size and first.dtype in dtypes
            and all(a.dtype == first.dtype and a.flags.c_contiguous and a.shape == first.shape
                    for a in arrays))
