"""numba kernels for CPU primitives whose NumPy forward is bound by one thread or many passes,
used when numba is installed (the `fast` extra). numba itself is imported only when a kernel
is first asked for inputs as large as it takes: importing it costs about 80 MiB and half a
second, which a model without such primitives, or with only small tensors, should not pay."""
from __future__ import annotations

import importlib
import importlib.util
import warnings

import numpy as np

from ...ops.activation import Gelu, GeluGrad
from ...ops.attention import MaskedSoftmax, SoftmaxGrad
from ...ops.index import Gather, ScatterAdd
from ...ops.norm import Standardize, StandardizeGrad
from ...ops.pool import BlockMax, BlockMaxScatter
from ..kernels import ADAM_STEP, register_kernel, registered

__all__ = ["KERNELS", "KERNEL_MIN_SIZE", "ADAM_STEP_MIN_SIZE", "available", "load"]

# Below these sizes (elements of the largest input) a kernel declines and the NumPy code runs:
# the one-pass kernels gain little on small arrays (and the op tests' small tensors keep the
# NumPy forwards exercised); Adam's step would gain 0.09 ms in a GRU's 48 ms step and cost the
# numba import. The stubs below check them before importing anything.
KERNEL_MIN_SIZE = 1 << 12
ADAM_STEP_MIN_SIZE = 1 << 16

# primitive (or kernel name) -> (module of this package, kernel function, smallest input size);
# the module registers the real kernels when imported, replacing the stubs below
KERNELS = {BlockMax: ("pool", "block_max", 0), BlockMaxScatter: ("pool", "block_max_scatter", 0),
           Gelu: ("gelu", "gelu", KERNEL_MIN_SIZE),
           GeluGrad: ("gelu", "gelu_grad", KERNEL_MIN_SIZE),
           Standardize: ("rows", "standardize", KERNEL_MIN_SIZE),
           StandardizeGrad: ("rows", "standardize_grad", KERNEL_MIN_SIZE),
           MaskedSoftmax: ("rows", "masked_softmax", KERNEL_MIN_SIZE),
           SoftmaxGrad: ("rows", "softmax_grad", KERNEL_MIN_SIZE),
           Gather: ("index", "gather", KERNEL_MIN_SIZE),
           ScatterAdd: ("index", "scatter_add", KERNEL_MIN_SIZE),
           ADAM_STEP: ("optimizers", "adam_step", ADAM_STEP_MIN_SIZE)}

_loaded = False


def load() -> bool:
    """Register a stub per kernel once; whether numba is there to compile them."""
    global _loaded
    if not _loaded and importlib.util.find_spec("numba") is not None:
        table = registered("cpu")
        for primitive, (module, name, min_size) in KERNELS.items():
            if primitive not in table:  # (a kernel module imported first registered itself)
                register_kernel("cpu", primitive, _stub(module, name, min_size))
    _loaded = True
    return available()


def available() -> bool:
    return importlib.util.find_spec("numba") is not None


def _stub(module: str, name: str, min_size: int):
    def first_call(prim, *arrays):
        sizes = [a.size for a in (prim, *arrays) if isinstance(a, np.ndarray)]
        if min_size and max(sizes, default=0) < min_size:
            return NotImplemented  # the kernel would decline: import nothing
        try:
            kernel = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        except ImportError as e:  # a numba that cannot load here (say, too old for NumPy)
            warnings.warn(f"wonderland: numba kernels are off ({e}); the NumPy forwards run",
                          RuntimeWarning, stacklevel=2)
            table = registered("cpu")
            for primitive in KERNELS:
                table.pop(primitive, None)
            return NotImplemented
        return kernel(prim, *arrays)
    return first_call
