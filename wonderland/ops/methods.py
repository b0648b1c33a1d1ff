"""Tensor methods and operators, attached to Tensor from the functions that define them."""
from __future__ import annotations

from ..core import dtype as dt
from ..core.device import cuda_device
from ..core.dual import Alias
from ..core.tensor import Tensor
from . import binary, compare, index, join, matmul, reduce, rounding, shape, sort, strided, unary
from .inplace_methods import METHODS as IN_PLACE
from .pad import pad  # noqa: F401  (re-exported through ops)
from .sampling import bernoulli, multinomial
from .special import digamma, erfinv, lgamma, polygamma


def _swap(fn):
    return lambda self, other: fn(other, self)


def _logical(fn, name):
    def op(self, other):
        other_bool = not isinstance(other, Tensor) or other.dtype is dt.bool_
        if self.dtype is not dt.bool_ or not other_bool:
            raise TypeError(f"{name}: bitwise operators are defined here for bool tensors only")
        return fn(self, other)

    return op


def _invert(self):
    if self.dtype is not dt.bool_:
        raise TypeError("~: defined here for bool tensors only")
    return compare.logical_not(self)


def _cast_method(d):
    return lambda self: unary.cast(self, d)


def _type(self, dtype=None):
    return self.dtype.name if dtype is None else unary.cast(self, dtype)


def _iter(self):
    if self.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return (self[i] for i in range(self.shape[0]))


def _linalg_method(name):
    """A method defined in wonderland/linalg/tensor_methods.py, looked up when first called
    (linalg is built on ops, so ops cannot import it while it loads)."""
    def method(self, *args, **kwargs):
        from ..linalg.tensor_methods import METHODS as LINALG

        return LINALG[name](self, *args, **kwargs)

    method.__name__ = name
    return method


OPERATORS = {
    "__add__": binary.add, "__radd__": _swap(binary.add),
    "__sub__": binary.sub, "__rsub__": _swap(binary.sub),
    "__mul__": binary.mul, "__rmul__": _swap(binary.mul),
    "__truediv__": binary.div, "__rtruediv__": _swap(binary.div),
    "__floordiv__": rounding.floor_divide, "__rfloordiv__": _swap(rounding.floor_divide),
    "__mod__": rounding.remainder, "__rmod__": _swap(rounding.remainder),
    "__pow__": binary.pow, "__rpow__": _swap(binary.pow),
    "__matmul__": matmul.matmul, "__rmatmul__": _swap(matmul.matmul),
    "__neg__": unary.neg, "__pos__": lambda self: self, "__abs__": unary.abs,
    "__eq__": compare.eq, "__ne__": compare.ne, "__lt__": compare.lt, "__le__": compare.le,
    "__gt__": compare.gt, "__ge__": compare.ge,
    "__and__": _logical(compare.logical_and, "&"), "__or__": _logical(compare.logical_or, "|"),
    "__xor__": _logical(compare.logical_xor, "^"), "__invert__": _invert,
    "__getitem__": index.getitem, "__iter__": _iter,
}

METHODS = {
    # elementwise
    **{name: getattr(unary, name) for name in (
        "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh", "sigmoid",
        "erf", "neg", "abs", "sign", "relu", "clip", "clamp")},
    **{name: getattr(binary, name) for name in (
        "add", "sub", "mul", "div", "pow", "square", "maximum", "minimum")},
    **{name: getattr(rounding, name) for name in (
        "floor", "ceil", "round", "trunc", "floor_divide", "remainder")},
    **{name: getattr(compare, name) for name in (
        "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor",
        "logical_not", "isnan", "isinf", "isfinite", "equal", "allclose")},
    # reductions
    **{name: getattr(reduce, name) for name in (
        "sum", "prod", "mean", "var", "std", "logsumexp", "amax", "amin", "argmax", "argmin",
        "max", "min", "cumsum", "any", "all", "count_nonzero")},
    # shapes
    **{name: getattr(shape, name) for name in (
        "reshape", "view", "permute", "transpose", "broadcast_to", "expand", "squeeze",
        "unsqueeze", "flatten", "unflatten", "movedim")},
    **{name: getattr(join, name) for name in (
        "narrow", "split", "chunk", "unbind", "flip", "roll", "repeat", "tile",
        "repeat_interleave")},
    "t": shape.t, "swapaxes": shape.transpose,
    # indexing and strided views
    **{name: getattr(index, name) for name in (
        "gather", "scatter_add", "index_select", "masked_fill", "tril", "triu", "index_put",
        "take_along_dim")},
    "unfold": strided.unfold, "as_strided": strided.as_strided,
    "sort": sort.sort, "argsort": sort.argsort, "topk": sort.topk,
    # special functions and draws (special.py, sampling.py)
    "lgamma": lgamma, "digamma": digamma, "erfinv": erfinv,
    "polygamma": lambda self, n: polygamma(n, self),
    "multinomial": multinomial, "bernoulli": bernoulli,
    "matmul": matmul.matmul, "mm": matmul.mm, "bmm": matmul.bmm, "dot": matmul.dot,
    **{name: _linalg_method(name) for name in (
        "det", "inverse", "cholesky", "qr", "svd", "norm", "cross")},
    # dtypes and copies
    "type": _type, "float": _cast_method(dt.float32), "double": _cast_method(dt.float64),
    "half": _cast_method(dt.float16), "long": _cast_method(dt.int64),
    "int": _cast_method(dt.int32), "bool": _cast_method(dt.bool_),
    "type_as": lambda self, other: unary.cast(self, other.dtype),
    "clone": lambda self: Alias(copy=True)(self),
    "bfloat16": _cast_method(dt.bfloat16),
    # devices: cuda() raises, naming what to do, without a GPU backend
    "cuda": lambda self, device=None, non_blocking=False: self.to(cuda_device(device)),
    "get_device": lambda self: -1 if self.device.type == "cpu" else self.device.index,
    "view_as": lambda self, other: shape.reshape(self, other.shape),
    "reshape_as": lambda self, other: shape.reshape(self, other.shape),
    "expand_as": lambda self, other: shape.broadcast_to(self, other.shape),
}

PROPERTIES = {"T": shape.t, "mT": shape.mT,
              "is_cuda": lambda self: self.device.type == "cuda",
              "is_cpu": lambda self: self.device.type == "cpu",
              # the other backends PyTorch programs test for; none of them exists here
              **{f"is_{kind}": (lambda self: False)
                 for kind in ("xpu", "mps", "meta", "xla", "ipu", "mkldnn", "vulkan")}}


def install() -> None:
    for name, fn in {**OPERATORS, **METHODS, **IN_PLACE}.items():
        setattr(Tensor, name, fn)
    for name, fn in PROPERTIES.items():
        setattr(Tensor, name, property(fn))
