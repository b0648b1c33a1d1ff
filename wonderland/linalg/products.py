"""Products of matrices and vectors that torch.linalg names: matrix_power, multi_dot, vecdot
(composites of matmul, inv and sums)."""
from __future__ import annotations

from collections.abc import Sequence

from ..core.tensor import Tensor
from ..ops.creation import eye
from ..ops.shape import broadcast_tensors
from .errors import check_matrix
from .solve import inv


def matrix_power(A: Tensor, n: int) -> Tensor:
    """A^n for an integer n by repeated squaring; A^0 is the identity, a negative n inverts A."""
    check_matrix("matrix_power", A, square=True, half=True)
    if int(n) != n:
        raise TypeError(f"linalg.matrix_power: n must be an integer, got {n!r}")
    n = int(n)
    if n < 0:
        A, n = inv(A), -n
    out, base = None, A
    while n:
        if n & 1:
            out = base if out is None else out @ base
        n >>= 1
        if n:
            base = base @ base
    if out is None:
        return eye(A.shape[-1], dtype=A.dtype, device=A.device).broadcast_to(A.shape)
    return out


def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """The product of a chain of matrices, the first may be a vector (a row) and the last a
    vector (a column), multiplied in the order that costs the fewest multiplications."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise ValueError(f"linalg.multi_dot: expected at least 2 tensors, got {len(tensors)}")
    first_vector, last_vector = tensors[0].ndim == 1, tensors[-1].ndim == 1
    mats = [tensors[0].unsqueeze(0) if first_vector else tensors[0], *tensors[1:-1],
            tensors[-1].unsqueeze(-1) if last_vector else tensors[-1]]
    for i, m in enumerate(mats):
        if m.ndim != 2:
            raise ValueError(f"linalg.multi_dot: tensor {i} must be 2-D (the first and last may "
                             f"be 1-D), got shape {tensors[i].shape}")
    dims = [mats[0].shape[0]] + [m.shape[1] for m in mats]
    order = _chain_order(dims)
    out = _multiply(mats, order, 0, len(mats) - 1)
    if first_vector:
        out = out.squeeze(0)
    return out.squeeze(-1) if last_vector else out


def _chain_order(dims: list[int]) -> list[list[int]]:
    """split[i][j]: where the product of matrices i..j splits, by the classic dynamic program
    over chain lengths (cost = the number of scalar multiplications)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j], split[i][j] = min(
                (cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1], k)
                for k in range(i, j))
    return split


def _multiply(mats, split, i: int, j: int) -> Tensor:
    if i == j:
        return mats[i]
    k = split[i][j]
    return _multiply(mats, split, i, k) @ _multiply(mats, split, k + 1, j)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """sum(x * y) along dim, broadcasting the other dims."""
    x, y = broadcast_tensors(x, y)
    if x.shape[dim] != y.shape[dim]:
        raise ValueError(f"linalg.vecdot: shapes {x.shape} and {y.shape} differ along dim {dim}")
    return (x * y).sum(dim)
