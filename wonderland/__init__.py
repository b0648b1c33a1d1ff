"""wonderland: a deep learning framework built from first principles on NumPy."""
from . import (
    accelerator,
    amp,
    autograd,
    backend,
    backends,
    cuda,
    data,
    distributions,
    func,
    linalg,
    nn,
    onnx,
    ops,
    optim,
    serialization,
    sparse,
    train,
    tune,
    utils,
)
from .amp import autocast
from .backend.threads import get_num_threads, set_num_threads
from .backends import get_float32_matmul_precision, set_float32_matmul_precision
from .compiler import compile  # noqa: A004  (torch.compile's name)
from .core.device import Device, as_device
from .core.dtype import (
    DType,
    bfloat16,
    bool_,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    set_default_dtype,
    uint8,
)
from .core.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .core.random import Generator, initial_seed, manual_seed, seed
from .core.tensor import Tensor, is_tensor
from .linalg import logdet
from .linalg.tensor_methods import cholesky, cross, det, inverse, norm, qr, svd
from .ops import *  # noqa: F403  (the tensor functions: wl.exp, wl.einsum, wl.cat ...)
from .serialization import load, load_state, save, save_state
from .sparse import sparse_coo_tensor, spmm

bool = bool_  # noqa: A001  (wl.bool, as torch.bool)
float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
device = Device

__version__ = "0.1.0"

# The layers underneath (core, autodiff, functional, atomic, compiler) are imported above
# as a side effect; their public names are re-exported here or through the subpackages
# (wl.func, wl.autograd, wl.nn.functional; wl.compile is compiler's function), so the modules
# themselves leave the namespace.
# `import wonderland.core.tensor` and `from wonderland.core import ...` still work.
for _internal in ("atomic", "autodiff", "compiler", "core", "functional"):
    globals().pop(_internal, None)
del _internal

# Subpackages meant for users; wonderland.viz, .bench, .models, .recipes, .ode and .rl are imported
# on first use (`import wonderland.viz`), as each pulls in more than a training script needs.
__all__ = [
    "autograd", "backend", "data", "func", "nn", "ops", "optim", "serialization", "train", "tune",
    "accelerator", "amp", "backends", "cuda", "autocast", "compile",
    "get_float32_matmul_precision", "set_float32_matmul_precision",
    "get_num_threads", "set_num_threads",
    "Tensor", "is_tensor", "Device", "device", "as_device",
    "DType", "bool", "bool_", "uint8", "int8", "int16", "int32", "int", "int64", "long",
    "float16", "half", "bfloat16", "float32", "float", "float64", "double",
    "get_default_dtype", "set_default_dtype",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "Generator", "manual_seed", "seed", "initial_seed",
    "save", "load", "save_state", "load_state",
    "distributions", "utils", "onnx",
    "sparse", "sparse_coo_tensor", "spmm",
    "linalg", "logdet", "det", "inverse", "cholesky", "qr", "svd", "norm", "cross",
    *ops.__all__,
]
