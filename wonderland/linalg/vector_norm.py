"""vector_norm: the p-norm of a tensor's entries over some dims, as torch.linalg.vector_norm
(also the norm behind gradient clipping, wonderland/optim/clip.py)."""
from __future__ import annotations

import math

from ..core.tensor import Tensor
from ..ops._convert import norm_dims
from ..ops.precision import in_float32
from ..ops.reduce import root_zero_slope_at_zero


def vector_norm(x: Tensor, ord: float = 2, dim=None, keepdim: bool = False, *,
                dtype=None) -> Tensor:
    """(sum |x|^ord)^(1/ord) over dim (every entry when None); max |x| for inf, min |x| for
    -inf, the count of nonzeros for 0. At the zero vector the slope is 0 (PyTorch's choice)."""
    if dtype is not None:
        x = x.to(dtype=dtype)
    if not isinstance(x, Tensor) or not x.is_floating_point:
        got = x.dtype.name if isinstance(x, Tensor) else type(x).__name__
        raise TypeError(f"linalg.vector_norm: expected a floating point tensor, got {got}")
    return _vector_norm(x, float(ord), norm_dims(dim, x.ndim, "linalg.vector_norm"), keepdim)


@in_float32  # float16 as PyTorch's: summed in float32, rounded once
def _vector_norm(x: Tensor, ord: float, dims: tuple[int, ...], keepdim: bool) -> Tensor:
    a = x.abs()
    if ord in (math.inf, -math.inf):
        if any(x.shape[d] == 0 for d in dims) or x.numel() == 0:
            raise ValueError(f"linalg.vector_norm: the {ord} norm of shape {x.shape} over dims "
                             f"{dims} reduces an empty set, which has no maximum or minimum")
        return a.amax(dims, keepdim) if ord > 0 else a.amin(dims, keepdim)
    if ord == 0:
        return (a != 0).to(dtype=x.dtype).sum(dims, keepdim)
    if ord == 1:
        return a.sum(dims, keepdim)
    # a negative ord takes 1 / |x| first: a zero entry gives inf (and the norm 0, as PyTorch's)
    # through IEEE division, where NumPy's power of 0 would warn
    powered = a * a if ord == 2 else a ** ord if ord > 0 else (1 / a) ** -ord
    return root_zero_slope_at_zero(powered.sum(dims, keepdim), ord)
