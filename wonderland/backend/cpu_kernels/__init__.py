"""numba kernels for CPU primitives whose NumPy forward is bound by one thread or many passes,
used when numba is installed (the `fast` extra). numba itself is imported only when a primitive
with a kernel first runs: importing it costs about 50 MiB and half a second, which a model
without such primitives should not pay."""
from __future__ import annotations

import importlib
import importlib.util
import warnings

from ...ops.activation import Gelu, GeluGrad
from ...ops.attention import MaskedSoftmax, SoftmaxGrad
from ...ops.index import Gather, ScatterAdd
from ...ops.norm import Standardize, StandardizeGrad
from ...ops.pool import BlockMax, BlockMaxScatter
from ..kernels import ADAM_STEP, register_kernel, registered

# primitive -> (module of this package, kernel function); the module registers the real kernels
# when imported, replacing the stubs below
KERNELS = {BlockMax: ("pool", "block_max"), BlockMaxScatter: ("pool", "block_max_scatter"),
           Gelu: ("gelu", "gelu"), GeluGrad: ("gelu", "gelu_grad"),
           Standardize: ("rows", "standardize"), StandardizeGrad: ("rows", "standardize_grad"),
           MaskedSoftmax: ("rows", "masked_softmax"), SoftmaxGrad: ("rows", "softmax_grad"),
           Gather: ("index", "gather"), ScatterAdd: ("index", "scatter_add"),
           ADAM_STEP: ("optimizers", "adam_step")}

_loaded = False


def load() -> bool:
    """Register a stub per kernel once; whether numba is there to compile them."""
    global _loaded
    if not _loaded and importlib.util.find_spec("numba") is not None:
        table = registered("cpu")
        for primitive, (module, name) in KERNELS.items():
            if primitive not in table:  # (a kernel module imported first registered itself)
                register_kernel("cpu", primitive, _stub(module, name))
    _loaded = True
    return available()


def available() -> bool:
    return importlib.util.find_spec("numba") is not None


def _stub(module: str, name: str):
    def first_call(prim, *arrays):
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
