"""matrix_norm: the Frobenius, nuclear, spectral and induced 1/inf norms of matrices in two
given dims, as torch.linalg.matrix_norm."""
from __future__ import annotations

import math

from ..core.tensor import Tensor
from ..ops._convert import norm_dim
from ..ops.shape import movedim
from .errors import check_dtype
from .vector_norm import vector_norm

ORDS = ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


def matrix_norm(a: Tensor, ord: str | float = "fro", dim=(-2, -1), keepdim: bool = False, *,
                dtype=None) -> Tensor:
    """ord: 'fro' (sqrt of the sum of squares), 'nuc' (sum of singular values), 2 / -2 (largest /
    smallest singular value), 1 / -1 (max / min column sum of |a|), inf / -inf (max / min row
    sum of |a|)."""
    if dtype is not None:
        a = a.to(dtype=dtype)
    if ord not in ORDS:
        raise ValueError(f"linalg.matrix_norm: ord must be one of {ORDS}, got {ord!r}")
    dims = tuple(dim)
    if len(dims) != 2:
        raise ValueError(f"linalg.matrix_norm: dim must name 2 dimensions, got {dim}")
    rows, cols = (norm_dim(d, a.ndim, "linalg.matrix_norm") for d in dims)
    if rows == cols:
        raise ValueError(f"linalg.matrix_norm: dim names one dimension twice: {dim}")
    if ord == "fro":
        return vector_norm(a, 2, (rows, cols), keepdim)
    if ord in ("nuc", 2, -2):
        return _singular_norm(a, ord, rows, cols, keepdim)
    # the induced 1-norm sums down the columns, the inf-norm along the rows
    summed, kept = (rows, cols) if ord in (1, -1) else (cols, rows)
    sums = a.abs().sum(summed, keepdim=True)
    out = sums.amax(kept, keepdim=True) if ord > 0 else sums.amin(kept, keepdim=True)
    return out if keepdim else out.squeeze((rows, cols))


def _singular_norm(a: Tensor, ord, rows: int, cols: int, keepdim: bool) -> Tensor:
    """The norms read off the singular values: their sum, largest or smallest."""
    from .svd import svdvals

    check_dtype("matrix_norm", a)
    s = svdvals(movedim(a, (rows, cols), (-2, -1)))
    out = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
    if keepdim:
        for d in sorted((rows, cols)):
            out = out.unsqueeze(d)
    return out
