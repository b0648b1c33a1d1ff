"""The in-place tensor methods (x.add_(y), x.zero_(), x[key] = v, x += y ...), as in PyTorch.

Each is its out-of-place op run through core/inplace.apply, which writes the result into the
tensor's memory, bumps its version and rebases its history (see docs/index.md, "In-place
operations")."""
from __future__ import annotations

from ..core import inplace
from ..core.random import Generator, get_generator
from ..core.tensor import Tensor
from . import binary, index, rounding, unary
from .creation import full_like


def _scaled(other, alpha):
    return other if alpha == 1 else binary.mul(other, alpha) if isinstance(other, Tensor) \
        else other * alpha


def _unary_(name: str, fn):
    def method(self):
        return inplace.apply(name, self, fn)

    method.__name__ = name
    return method


def _binary_(name: str, fn):
    def method(self, other):
        return inplace.apply(name, self, fn, other)

    method.__name__ = name
    return method


def add_(self: Tensor, other, alpha=1) -> Tensor:
    """self += alpha * other, in place."""
    return inplace.apply("add_", self, lambda x, o: binary.add(x, _scaled(o, alpha)), other)


def sub_(self: Tensor, other, alpha=1) -> Tensor:
    """self -= alpha * other, in place."""
    return inplace.apply("sub_", self, lambda x, o: binary.sub(x, _scaled(o, alpha)), other)


def div_(self: Tensor, other, rounding_mode: str | None = None) -> Tensor:
    """self /= other, in place (an integer tensor refuses a float result, as in PyTorch)."""
    return inplace.apply("div_", self, lambda x, o: binary.div(x, o, rounding_mode), other)


def addcmul_(self: Tensor, t1: Tensor, t2: Tensor, value=1) -> Tensor:
    """self += value * t1 * t2, in place."""
    return inplace.apply("addcmul_", self,
                         lambda x, a, b: binary.add(x, _scaled(binary.mul(a, b), value)), t1, t2)


def addcdiv_(self: Tensor, t1: Tensor, t2: Tensor, value=1) -> Tensor:
    """self += value * t1 / t2, in place."""
    return inplace.apply("addcdiv_", self,
                         lambda x, a, b: binary.add(x, _scaled(binary.div(a, b), value)), t1, t2)


def clamp_(self: Tensor, min=None, max=None) -> Tensor:  # noqa: A002  (PyTorch's names)
    """self clamped into [min, max], in place."""
    return inplace.apply("clamp_", self, lambda x: unary.clip(x, min, max))


def fill_(self: Tensor, value) -> Tensor:
    """Every element set to value (a number or a 0-d tensor), in place."""
    def fill(x, v):
        if isinstance(v, Tensor):
            return v.to(x.dtype).broadcast_to(x.shape)
        return full_like(x, v)

    return inplace.apply("fill_", self, fill, value)


def zero_(self: Tensor) -> Tensor:
    """Every element set to zero, in place."""
    return fill_(self, 0)


def copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """src's values (broadcast, cast and moved to self's dtype and device) written into self."""
    def copy(x, s):
        if not isinstance(s, Tensor):
            s = Tensor(s)
        return s.to(x.device).to(x.dtype).broadcast_to(x.shape)

    return inplace.apply("copy_", self, copy, src)


def masked_fill_(self: Tensor, mask: Tensor, value) -> Tensor:
    """value wherever mask is true, in place."""
    return inplace.apply("masked_fill_", self, lambda x, v: index.masked_fill(x, mask, v), value)


def index_put_(self: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """self[indices] = values (or += with accumulate), in place."""
    return inplace.apply("index_put_", self,
                         lambda x, v: index.index_put(x, indices, v, accumulate), values)


def setitem(self: Tensor, key, value) -> None:
    """x[key] = value: an in-place index_put (value broadcasts and is cast to x's dtype)."""
    inplace.apply("__setitem__", self, lambda x, v: index.index_put(x, key, v), value)


def _draw_(name: str, draw):
    def method(self, a=None, b=None, *, generator: Generator | None = None):
        values = draw(get_generator(generator), a, b, self.shape)
        return inplace.apply(name, self, lambda x: Tensor(values, dtype=x.dtype,
                                                          device=x.device))

    method.__name__ = name
    return method


uniform_ = _draw_("uniform_", lambda g, a, b, shape: g.uniform(
    0.0 if a is None else a, 1.0 if b is None else b, shape))
normal_ = _draw_("normal_", lambda g, a, b, shape: g.normal(
    0.0 if a is None else a, 1.0 if b is None else b, shape))

UNARY = {**{n: getattr(unary, n) for n in (
    "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh", "sigmoid",
    "neg", "abs", "sign", "relu")},
    **{n: getattr(rounding, n) for n in ("floor", "ceil", "round", "trunc")}}
BINARY = {"mul_": binary.mul, "pow_": binary.pow, "__iadd__": binary.add,
          "__isub__": binary.sub, "__imul__": binary.mul, "__itruediv__": binary.div}

METHODS = {
    **{n + "_": _unary_(n + "_", fn) for n, fn in UNARY.items()},
    **{n: _binary_(n, fn) for n, fn in BINARY.items()},
    "add_": add_, "sub_": sub_, "div_": div_, "addcmul_": addcmul_, "addcdiv_": addcdiv_,
    "clamp_": clamp_, "clip_": clamp_, "fill_": fill_, "zero_": zero_, "copy_": copy_,
    "masked_fill_": masked_fill_, "index_put_": index_put_, "uniform_": uniform_,
    "normal_": normal_, "__setitem__": setitem,
}
