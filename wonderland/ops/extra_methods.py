"""The Tensor methods of extra_math, pointwise, statistics, selection, matrices and tensor_api
(x.sinh(), x.median(dim), x.new_zeros(2, 3) ...), attached to Tensor as methods.py attaches
the core ones."""
from __future__ import annotations

from ..core.tensor import Tensor
from . import extra_math, matrices, pointwise, selection, statistics, tensor_api
from .matmul import outer

METHODS = {
    **{name: getattr(extra_math, name) for name in (
        "sinh", "cosh", "asin", "acos", "atan", "arcsin", "arccos", "arctan", "log2", "log10",
        "exp2", "atan2", "arctan2")},
    **{name: getattr(pointwise, name) for name in (
        "lerp", "frac", "fmod", "reciprocal", "float_power", "hypot", "logaddexp", "nan_to_num",
        "isclose", "addmm", "baddbmm", "softmax", "log_softmax")},
    **{name: getattr(statistics, name) for name in (
        "median", "kthvalue", "mode", "quantile", "nansum", "nanmean", "cumprod", "cummax",
        "cummin", "diff", "dist", "unique", "histc", "bincount")},
    **{name: getattr(selection, name) for name in (
        "index_add", "index_fill", "scatter", "scatter_reduce", "masked_select", "nonzero",
        "argwhere")},
    **{name: getattr(matrices, name) for name in ("diag", "trace", "kron", "ravel")},
    **{name: getattr(tensor_api, name) for name in (
        "new_zeros", "new_ones", "new_empty", "new_full", "new_tensor", "element_size", "stride",
        "is_contiguous", "contiguous", "nelement", "new")},
    "outer": outer,
}


def install() -> None:
    for name, fn in METHODS.items():
        setattr(Tensor, name, fn)
