"""The CPU backend: NumPy arrays, with BLAS (OpenBLAS or MKL) behind matmul and einsum."""
import numpy as np

from .registry import Backend, register_backend

register_backend(Backend("cpu", np, to_numpy=lambda a: a, from_numpy=lambda a: a))
