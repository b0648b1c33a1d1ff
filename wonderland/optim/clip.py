"""Gradient clipping lives with torch's in wonderland.nn.utils (clip_grad.py); optimizers and
training loops keep reaching it here too."""
from ..nn.utils.clip_grad import (
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
    vector_norm,  # noqa: F401  (tests and callers that imported it from here)
)

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]
