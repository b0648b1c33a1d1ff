"""Shared argument handling for ops: scalars to tensors, dtype promotion, broadcasting, dims."""
from __future__ import annotations

import numbers

import numpy as np

from ..core import dtype as dt
from ..core.primitive import bind
from ..core.tensor import Tensor


def lift(value, like: Tensor, dtype: dt.DType | None = None, name: str = "op") -> Tensor:
    """A Python number or array as a tensor on `like`'s device (dtype: given, or like's)."""
    if isinstance(value, Tensor):
        return value
    dtype = dtype or like.dtype
    try:
        arr = np.asarray(value, dtype=dtype.np_dtype)
    except OverflowError:
        raise OverflowError(f"{name}: the number {value} does not fit in the tensor's dtype "
                            f"{dtype.name}; convert the tensor first (e.g. x.long())") from None
    return Tensor._make(like.device.backend.from_numpy(arr), like.device)


def promote_args(name: str, *args) -> list[Tensor] | tuple[Tensor, ...]:
    """Tensors and Python numbers to tensors of one dtype (weak scalars, see core.dtype)."""
    first = args[0]
    if first.__class__ is Tensor:  # the common case, nothing to convert, tested without loops
        dtype = first._data.dtype  # (exactly Tensor: a BatchedTensor has no _data of its own)
        for a in args:
            if a.__class__ is not Tensor or a._data.dtype != dtype:
                break
        else:
            return args
    # a sparse operand (wonderland.sparse) of an elementwise op is densified, as PyTorch's
    # dense + sparse is dense
    args = [a.to_dense() if getattr(a, "is_sparse", False) else a for a in args]
    tensors = [a for a in args if isinstance(a, Tensor)]
    if not tensors:
        raise TypeError(f"{name}: expected at least one tensor argument")
    result = tensors[0].dtype
    for t in tensors[1:]:
        result = dt.promote(result, t.dtype)
    for a in args:
        if not isinstance(a, Tensor):
            if isinstance(a, (numbers.Number, np.number, np.bool_)):
                result = dt.promote_with_scalar(result, a)
            else:
                raise TypeError(f"{name}: expected a tensor or a number, got {type(a).__name__}")
    from .unary import cast

    return [cast(a, result) if isinstance(a, Tensor) else lift(a, tensors[0], result, name)
            for a in args]


def broadcast_shape(name: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape that all `shapes` broadcast to, or an error naming the clashing dimension."""
    ndim = max(len(s) for s in shapes)
    out = []
    for i in range(-ndim, 0):
        sizes = {s[i] for s in shapes if len(s) >= -i} - {1}
        if len(sizes) > 1:
            raise ValueError(f"{name}: shapes {' and '.join(str(tuple(s)) for s in shapes)} "
                             f"cannot be broadcast: dimension {i} has sizes {sorted(sizes)}")
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def broadcast_all(name: str, *ts: Tensor) -> list[Tensor] | tuple[Tensor, ...]:
    first = ts[0].shape
    for t in ts:
        if t.shape != first:
            break
    else:
        return ts
    shape = broadcast_shape(name, *(t.shape for t in ts))
    from .shape import broadcast_to

    return [t if t.shape == shape else broadcast_to(t, shape) for t in ts]


def elementwise(prim, name: str):
    """The public function of an elementwise primitive of two tensors: promote, broadcast, bind."""

    def op(a, b) -> Tensor:
        return bind(prim, *broadcast_all(name, *promote_args(name, a, b)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = type(prim).__doc__
    return op


def norm_dim(dim: int, ndim: int, name: str = "op") -> int:
    """A dimension index in range [0, ndim), accepting negatives; a 0-d tensor has dim 0 and -1."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{name}: dimension {dim} is out of range for a tensor with "
                         f"{ndim} dimensions")
    return dim % n


def norm_dims(dim, ndim: int, name: str = "op") -> tuple[int, ...]:
    """None -> all dims; an int or a sequence -> sorted non-negative dims without repeats."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    out = tuple(sorted({norm_dim(d, ndim, name) for d in dims}))
    if len(out) != len(dims):
        raise ValueError(f"{name}: dimension listed twice in {dim}")
    return tuple(d for d in out if d < ndim)


def float_only(name: str, x: Tensor) -> None:
    if not x.is_floating_point:
        raise TypeError(f"{name}: expected a floating point tensor, got {x.dtype.name}")
