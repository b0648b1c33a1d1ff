"""solve (A X = B) as a primitive, and inv as the solve against the identity."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.tensor import Tensor
from ..ops._convert import broadcast_shape
from ..ops.batching import batch_leading
from ..ops.creation import eye
from .errors import _Lapack, check_dtype, check_matrix, lapack_call


@dataclass(frozen=True)
class Solve(_Lapack):
    """X = A^-1 B (B: ... n k);  gB = A^-T g, gA = -gB X^T;  dX = A^-1 (dB - dA X)"""

    caller: str = "solve"  # the public function, for the error on a singular A
    batch = batch_leading

    def forward(self, xp, a, b):
        return lapack_call(self.caller, xp.linalg.solve, a, b)

    def vjp(self, g, y, a, b):
        gb = Solve()(a.mT, g)
        return (-gb @ y.mT if a.requires_grad else None), gb

    def jvp(self, t, y, a, b):
        return Solve()(a, t[1] - t[0] @ y)


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with A X = B (left=True) or X A = B, for square A (... n n); B is a batch of vectors
    when it is 1-D or has A's shape without the last dim, else matrices (... n k), as in
    PyTorch. A singular A raises LinAlgError."""
    check_matrix("solve", A, square=True)
    check_dtype("solve", B)
    if B.dtype != A.dtype:
        raise TypeError(f"linalg.solve: A and B need one dtype, got {A.dtype.name} and "
                        f"{B.dtype.name}")
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return solve(A.mT, B.mT).mT
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    if vector:
        B = B.unsqueeze(-1)
    if B.shape[-2] != A.shape[-1]:
        raise ValueError(f"linalg.solve: A of shape {A.shape} and B of shape {B.shape} do not "
                         f"match: B needs {A.shape[-1]} rows")
    batch = broadcast_shape("linalg.solve", A.shape[:-2], B.shape[:-2])
    X = Solve()(A.broadcast_to(batch + A.shape[-2:]), B.broadcast_to(batch + B.shape[-2:]))
    return X.squeeze(-1) if vector else X


def inv(A: Tensor) -> Tensor:
    """A^-1 of square (batches of) matrices; a singular A raises LinAlgError."""
    check_matrix("inv", A, square=True)
    identity = eye(A.shape[-1], dtype=A.dtype, device=A.device)
    return Solve("inv")(A, identity.broadcast_to(A.shape))
