"""The CPU backend: NumPy arrays, with BLAS (OpenBLAS or MKL) behind matmul and einsum."""
import numpy as np

from .memory import keep_freed_memory
from .registry import Backend, register_backend

register_backend(Backend("cpu", np, to_numpy=lambda a: a, from_numpy=lambda a: a))
KEEPS_FREED_MEMORY = keep_freed_memory()  # large arrays are reused, not re-faulted, each step
