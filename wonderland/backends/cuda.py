"""wl.backends.cuda: PyTorch's CUDA math flags (`wl.backends.cuda.matmul.allow_tf32 = True`),
settable and without effect: there is no TF32 arithmetic here."""
from __future__ import annotations

from types import SimpleNamespace

__all__ = ["is_built", "matmul"]

# allow_tf32 and allow_fp16_reduced_precision_reduction, with PyTorch's defaults
matmul = SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True,
                         allow_bf16_reduced_precision_reduction=True)


def is_built() -> bool:
    """Whether this build supports CUDA: no GPU backend here."""
    return False
