"""matrix_exp: exp(A) as a primitive. Its forward is the Taylor series of A / 2^s squared s
times; its derivatives are blocks of the exponential of a block matrix (Van Loan, 1978), so they
are matrix_exp again and every order follows."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ..ops.batching import batch_leading
from ..ops.creation import zeros_like
from ..ops.join import cat
from .errors import check_matrix

# With ||A / 2^s|| <= 1/2, the Taylor terms past the 18th add less than 0.5^19 / 19! ~ 2e-23.
TERMS = 18


def _upper_right(top_left: Tensor, top_right: Tensor, bottom_right: Tensor) -> Tensor:
    """The top-right n x n block of exp([[X, Y], [0, Z]]): the derivative of exp at X in the
    direction Y when Z = X."""
    n = top_left.shape[-1]
    block = cat([cat([top_left, top_right], -1),
                 cat([zeros_like(top_left), bottom_right], -1)], -2)
    return MatrixExp()(block)[..., :n, n:]


@dataclass(frozen=True)
class MatrixExp(Primitive):
    """y = exp(A);  gA = [exp([[A^T, g], [0, A^T]])]_12;  dy = [exp([[A, dA], [0, A]])]_12"""

    batch = batch_leading

    def forward(self, xp, a):
        norms = xp.abs(a).sum(-2).max(-1) if a.size else xp.zeros(a.shape[:-2])
        # the same s for a whole batch keeps it one computation; s = 0 for small A
        largest = float(norms.max()) if norms.size else 0.0
        s = max(0, int(xp.ceil(xp.log2(largest / 0.5)))) if largest > 0 else 0
        # float16 is summed in float32 and rounded once, as PyTorch does
        x = a.astype(xp.promote_types(a.dtype, xp.float32)) / 2.0 ** s
        out = xp.eye(a.shape[-1], dtype=x.dtype) + x
        term = x
        for k in range(2, TERMS + 1):
            term = term @ x / k
            out = out + term
        for _ in range(s):
            out = out @ out
        return out.astype(a.dtype, copy=False)

    def vjp(self, g, y, a):
        return (_upper_right(a.mT, g, a.mT),)

    def jvp(self, t, y, a):
        return _upper_right(a, t[0], a)


def matrix_exp(A: Tensor) -> Tensor:
    """exp(A) = sum A^k / k! of square (batches of) matrices."""
    check_matrix("matrix_exp", A, square=True, half=True)
    return MatrixExp()(A)
