"""norm: torch.linalg.norm (a vector or a matrix norm, chosen by ord and dim) and tensor_norm,
the older torch.norm / Tensor.norm (a vector norm over any dims, or 'fro' / 'nuc')."""
from __future__ import annotations

from ..core.tensor import Tensor
from .matrix_norm import matrix_norm
from .vector_norm import vector_norm


def norm(a: Tensor, ord: str | float | None = None, dim=None, keepdim: bool = False, *,
         dtype=None) -> Tensor:
    """A matrix norm when dim names 2 dims or ord is a string, else a vector norm; with dim and
    ord both None the 2-norm of every entry; with dim None and a numeric ord, a must be 1-D
    (vector norm) or 2-D (matrix norm), as in PyTorch."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) not in (1, 2):
        raise ValueError(f"linalg.norm: dim must name 1 or 2 dimensions, got {dim}")
    if dim is None and ord is not None:
        if isinstance(ord, str) or a.ndim == 2:
            dim = (-2, -1)
        elif a.ndim != 1:
            raise ValueError(f"linalg.norm: with ord={ord!r} and dim=None the input must be 1-D "
                             f"or 2-D, got shape {a.shape}")
    if isinstance(ord, str) and (dim is None or len(dim) != 2):
        raise ValueError(f"linalg.norm: ord={ord!r} is a matrix norm and needs 2 dims, got "
                         f"dim={dim}")
    if dim is not None and len(dim) == 2:
        return matrix_norm(a, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    return vector_norm(a, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def tensor_norm(a: Tensor, p: str | float | None = "fro", dim=None, keepdim: bool = False,
                dtype=None) -> Tensor:
    """torch.norm / Tensor.norm: p='fro' or a number is a vector norm over dim (all entries when
    None, even over 2 dims: PyTorch's older function); 'nuc' is the nuclear norm of 2 dims."""
    if p == "nuc":
        return matrix_norm(a, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    if isinstance(p, str) and p != "fro":
        raise ValueError(f"norm: p must be 'fro', 'nuc' or a number, got {p!r}")
    return vector_norm(a, 2 if p in ("fro", None) else p, dim, keepdim, dtype=dtype)
