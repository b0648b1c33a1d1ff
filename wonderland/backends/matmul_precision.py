"""wl.set_float32_matmul_precision / get_float32_matmul_precision (PyTorch's names): recorded and
without effect, as float32 matrix products here always compute in float32 (no TF32)."""
from __future__ import annotations

import warnings

__all__ = ["set_float32_matmul_precision", "get_float32_matmul_precision"]

_CHOICES = ("highest", "high", "medium")
_precision = "highest"


def set_float32_matmul_precision(precision: str) -> None:
    """Record 'highest', 'high' or 'medium'; anything else warns and changes nothing, as in
    PyTorch."""
    global _precision
    if precision not in _CHOICES:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      f"set_float32_matmul_precision call has no effect.", UserWarning,
                      stacklevel=2)
        return
    _precision = precision


def get_float32_matmul_precision() -> str:
    """The value last set ('highest' unless changed)."""
    return _precision
