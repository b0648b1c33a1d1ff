"""wl.backends.cudnn: PyTorch's cuDNN flags. There is no cuDNN here (is_available() is False); the
flags are plain settable attributes with PyTorch's defaults. `benchmark` keeps its meaning, "time
the convolution algorithms and keep the fastest": on, each shape of 3x3 stride-1 conv2d is timed
by im2col and by Winograd's F(2x2, 3x3) once (functional/conv_autotune.py). The others change
nothing: every kernel is already deterministic."""
from __future__ import annotations

__all__ = ["is_available", "version", "enabled", "benchmark", "deterministic", "allow_tf32",
           "benchmark_limit"]

enabled: bool = True
benchmark: bool = False
deterministic: bool = False
allow_tf32: bool = True
benchmark_limit: int | None = None  # PyTorch without CUDA says None


def is_available() -> bool:
    """Whether cuDNN can be used: never here."""
    return False


def version() -> int | None:
    """cuDNN's version: None, as PyTorch says without cuDNN."""
    return None
