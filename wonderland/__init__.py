"""wonderland: a deep learning framework built from first principles on NumPy."""
from . import autograd, backend, core, data, func, nn, ops, optim, train, tune
from .core.device import Device, as_device
from .core.dtype import (
                         DType,
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
from .ops import *  # noqa: F403  (the tensor functions: wl.exp, wl.einsum, wl.cat ...)
from .serialization import load, load_state, save, save_state

bool = bool_  # noqa: A001  (wl.bool, as torch.bool)
float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
device = Device

__version__ = "0.1.0"
