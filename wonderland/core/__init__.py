"""Tensor, dtypes, devices, the Primitive base with bind(), grad modes and random state."""
from . import dtype
from .device import Device, as_device
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .primitive import REGISTRY, Primitive, bind
from .random import Generator, initial_seed, manual_seed, seed
from .tensor import Tensor, is_tensor

__all__ = ["dtype", "Device", "as_device", "enable_grad", "is_grad_enabled", "no_grad",
           "set_grad_enabled", "REGISTRY", "Primitive", "bind", "Generator", "initial_seed",
           "manual_seed", "seed", "Tensor", "is_tensor"]
