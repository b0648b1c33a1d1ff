"""cross: the cross product of 3-vectors along a dim, as torch.linalg.cross."""
from __future__ import annotations

from ..core.tensor import Tensor
from ..ops._convert import norm_dim
from ..ops.join import stack
from ..ops.shape import broadcast_tensors


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """input x other along dim (size 3 in both), broadcasting the other dims; like PyTorch's,
    the inputs need one number of dims."""
    if input.ndim != other.ndim:
        raise ValueError(f"linalg.cross: the inputs need one number of dimensions, got shapes "
                         f"{input.shape} and {other.shape}")
    a, b = broadcast_tensors(input, other)
    d = norm_dim(dim, a.ndim, "linalg.cross")
    if input.shape[dim] != 3 or other.shape[dim] != 3:
        raise ValueError(f"linalg.cross: dim {dim} must have size 3 in both inputs, got shapes "
                         f"{input.shape} and {other.shape}")
    a0, a1, a2 = a.unbind(d)
    b0, b1, b2 = b.unbind(d)
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)
