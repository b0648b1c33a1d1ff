"""Elementwise functions of one tensor: exp, log, trig, activations, cast and clip."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core import dtype as dt
from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ._convert import float_only
from .batching import batch_elementwise, batch_unary
from .creation import zeros_like
from .precision import float32_inside

try:  # SciPy's erf is fast and exact; without SciPy, fall back on the standard library's.
    from scipy.special import erf as _np_erf
except ImportError:  # pragma: no cover - depends on what is installed
    _np_erf = np.vectorize(math.erf, otypes=[np.float64])


@dataclass(frozen=True)
class Neg(Primitive):
    """y = -x;  dy = -dx"""

    batch = batch_unary

    def forward(self, xp, x):
        return -x

    def vjp(self, g, y, x):
        return (-g,)

    def jvp(self, t, y, x):
        return -t[0]


@dataclass(frozen=True)
class Exp(Primitive):
    """y = exp(x);  dy = y dx"""

    batch = batch_unary

    def forward(self, xp, x):
        return xp.exp(x)

    def vjp(self, g, y, x):
        return (g * y,)

    def jvp(self, t, y, x):
        return t[0] * y


@dataclass(frozen=True)
class Log(Primitive):
    """y = log(x);  dy = dx / x"""

    batch = batch_unary

    def forward(self, xp, x):
        with np.errstate(divide="ignore", invalid="ignore"):  # as PyTorch: no warning
            return xp.log(x)

    def vjp(self, g, y, x):
        return (g / x,)

    def jvp(self, t, y, x):
        return t[0] / x


@dataclass(frozen=True)
class Log1p(Primitive):
    """y = log(1 + x);  dy = dx / (1 + x)"""

    batch = batch_unary

    def forward(self, xp, x):
        with np.errstate(divide="ignore", invalid="ignore"):  # as PyTorch: no warning
            return xp.log1p(x)

    def vjp(self, g, y, x):
        return (g / (x + 1),)

    def jvp(self, t, y, x):
        return t[0] / (x + 1)


@dataclass(frozen=True)
class Expm1(Primitive):
    """y = exp(x) - 1;  dy = (y + 1) dx"""

    batch = batch_unary

    def forward(self, xp, x):
        return xp.expm1(x)

    def vjp(self, g, y, x):
        return (g * (y + 1),)

    def jvp(self, t, y, x):
        return t[0] * (y + 1)


@dataclass(frozen=True)
class Sqrt(Primitive):
    """y = sqrt(x);  dy = dx / (2 y)"""

    batch = batch_unary

    def forward(self, xp, x):
        with np.errstate(divide="ignore", invalid="ignore"):  # as PyTorch: no warning
            return xp.sqrt(x)

    def vjp(self, g, y, x):
        return (g / (2 * y),)

    def jvp(self, t, y, x):
        return t[0] / (2 * y)


@dataclass(frozen=True)
class Rsqrt(Primitive):
    """y = 1 / sqrt(x);  dy = -y^3 dx / 2"""

    batch = batch_unary

    @float32_inside
    def forward(self, xp, x):
        with np.errstate(divide="ignore", invalid="ignore"):  # as PyTorch: no warning
            return 1 / xp.sqrt(x)

    def vjp(self, g, y, x):
        return (g * y * y * y * -0.5,)

    def jvp(self, t, y, x):
        return t[0] * y * y * y * -0.5


@dataclass(frozen=True)
class Sin(Primitive):
    """y = sin(x);  dy = cos(x) dx"""

    batch = batch_unary

    def forward(self, xp, x):
        return xp.sin(x)

    def vjp(self, g, y, x):
        return (g * x.cos(),)

    def jvp(self, t, y, x):
        return t[0] * x.cos()


@dataclass(frozen=True)
class Cos(Primitive):
    """y = cos(x);  dy = -sin(x) dx"""

    batch = batch_unary

    def forward(self, xp, x):
        return xp.cos(x)

    def vjp(self, g, y, x):
        return (-g * x.sin(),)

    def jvp(self, t, y, x):
        return -t[0] * x.sin()


@dataclass(frozen=True)
class Tan(Primitive):
    """y = tan(x);  dy = (1 + y^2) dx"""

    batch = batch_unary

    def forward(self, xp, x):
        return xp.tan(x)

    def vjp(self, g, y, x):
        return (g * (y * y + 1),)

    def jvp(self, t, y, x):
        return t[0] * (y * y + 1)


@dataclass(frozen=True)
class Tanh(Primitive):
    """y = tanh(x);  dy = (1 - y^2) dx"""

    batch = batch_unary

    def forward(self, xp, x):
        return xp.tanh(x)

    def vjp(self, g, y, x):
        return (g * (1 - y * y),)

    def jvp(self, t, y, x):
        return t[0] * (1 - y * y)


@dataclass(frozen=True)
class Sigmoid(Primitive):
    """y = 1 / (1 + exp(-x));  dy = y (1 - y) dx"""

    batch = batch_unary

    @float32_inside
    def forward(self, xp, x):
        e = xp.exp(-xp.abs(x))  # never overflows: the branch below picks the stable form
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)

    def vjp(self, g, y, x):
        return (g * y * (1 - y),)

    def jvp(self, t, y, x):
        return t[0] * y * (1 - y)


@dataclass(frozen=True)
class Erf(Primitive):
    """y = erf(x);  dy = 2/sqrt(pi) exp(-x^2) dx"""

    batch = batch_unary

    def forward(self, xp, x):
        if xp is np:
            return _np_erf(x).astype(x.dtype)
        return xp.erf(x)  # pragma: no cover - GPU backends bring their own

    def _slope(self, x):
        return (-(x * x)).exp() * (2 / math.sqrt(math.pi))

    def vjp(self, g, y, x):
        return (g * self._slope(x),)

    def jvp(self, t, y, x):
        return t[0] * self._slope(x)


@dataclass(frozen=True)
class Abs(Primitive):
    """y = |x|;  dy = sign(x) dx (0 at x = 0, as in PyTorch)"""

    batch = batch_unary

    def forward(self, xp, x):
        return xp.abs(x)

    def vjp(self, g, y, x):
        return (g * x.sign(),)

    def jvp(self, t, y, x):
        return t[0] * x.sign()


class _Step(Primitive):
    """A piecewise-constant function: its derivative is zero wherever it is defined."""

    batch = batch_unary

    def vjp(self, g, y, x):
        return (zeros_like(g),)  # not g * 0: an inf or NaN cotangent must not leak through

    def jvp(self, t, y, x):
        return zeros_like(t[0])


@dataclass(frozen=True)
class Sign(_Step):
    """y = sign(x);  dy = 0 (piecewise constant)"""

    def forward(self, xp, x):
        return xp.sign(x)


@dataclass(frozen=True)
class Relu(Primitive):
    """y = max(x, 0);  dy = [x > 0] dx"""

    batch = batch_unary

    def forward(self, xp, x):
        return xp.maximum(x, 0).astype(x.dtype, copy=False)

    def vjp(self, g, y, x):
        return (ReluGrad()(g, x),)

    def jvp(self, t, y, x):
        return ReluGrad()(t[0], x)


@dataclass(frozen=True)
class ReluGrad(Primitive):
    """y = g [x > 0] (relu's derivative applied to g);  dy = dg [x > 0]"""

    batch = batch_elementwise

    def forward(self, xp, g, x):
        # a product with the boolean mask: NumPy's where() is about 8x slower on mixed signs
        # (it branches per element); as before, a nan or inf in g at x <= 0 gives nan
        return xp.multiply(g, x > 0, dtype=g.dtype)

    def vjp(self, g, y, g_in, x):
        return ReluGrad()(g, x), None  # piecewise constant in x

    def jvp(self, t, y, g_in, x):
        return ReluGrad()(t[0], x)


@dataclass(frozen=True)
class Clip(Primitive):
    """y = min(max(x, low), high);  dy = [low <= x <= high] dx (either bound may be None)"""

    batch = batch_unary

    low: float | None = None
    high: float | None = None

    def forward(self, xp, x):
        return xp.clip(x, self.low, self.high).astype(x.dtype)

    def _inside(self, x):
        mask = x == x
        if self.low is not None:
            mask = mask & (x >= self.low)
        if self.high is not None:
            mask = mask & (x <= self.high)
        return mask.to(x.dtype)

    def vjp(self, g, y, x):
        return (g * self._inside(x),)

    def jvp(self, t, y, x):
        return t[0] * self._inside(x)


@dataclass(frozen=True)
class Cast(Primitive):
    """y = x converted to `dtype`;  dy = dx converted (no derivative into or out of integers)"""

    batch = batch_unary

    dtype: dt.DType

    def forward(self, xp, x):
        with np.errstate(over="ignore"):  # too large for a narrower float: inf, as IEEE rounds
            return x.astype(self.dtype.np_dtype)

    def vjp(self, g, y, x):
        return (cast(g, x.dtype) if x.is_floating_point else None,)

    def jvp(self, t, y, x):
        return None if t[0] is None else cast(t[0], self.dtype)


def cast(x: Tensor, dtype) -> Tensor:
    """x as `dtype` (x itself when it already is)."""
    dtype = dt.as_dtype(dtype)
    return x if x.dtype is dtype else Cast(dtype)(x)


def _unary(prim: Primitive, name: str, floats_only: bool = True):
    def op(x: Tensor) -> Tensor:
        if floats_only:
            float_only(name, x)
        return prim(x)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = type(prim).__doc__
    return op


exp = _unary(Exp(), "exp")
log = _unary(Log(), "log")
log1p = _unary(Log1p(), "log1p")
expm1 = _unary(Expm1(), "expm1")
sqrt = _unary(Sqrt(), "sqrt")
rsqrt = _unary(Rsqrt(), "rsqrt")
sin = _unary(Sin(), "sin")
cos = _unary(Cos(), "cos")
tan = _unary(Tan(), "tan")
tanh = _unary(Tanh(), "tanh")
sigmoid = _unary(Sigmoid(), "sigmoid")
erf = _unary(Erf(), "erf")
neg = _unary(Neg(), "neg", floats_only=False)
abs = _unary(Abs(), "abs", floats_only=False)  # noqa: A001  (the tensor method's name)
sign = _unary(Sign(), "sign", floats_only=False)
relu = _unary(Relu(), "relu", floats_only=False)


def clip(x: Tensor, min=None, max=None) -> Tensor:  # noqa: A002  (PyTorch's argument names)
    """Limit x to [min, max]; bounds are numbers or tensors (either may be None)."""
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        from .binary import maximum, minimum

        out = x if min is None else maximum(x, min)
        return out if max is None else minimum(out, max)
    return Clip(None if min is None else float(min), None if max is None else float(max))(x)


clamp = clip
