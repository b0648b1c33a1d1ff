"""GELU as one primitive (erf form x Phi(x), or its tanh approximation) with its derivative.

As a composite the erf form costs five passes plus SciPy's erf, which in float32 is about 40x
slower than NumPy's exp. Here float32 evaluates the normal CDF as a logistic function of a
fitted polynomial (absolute error below 1.2e-7), in cache-sized chunks; float64 keeps an exact
CDF."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ._convert import float_only
from .batching import batch_elementwise, batch_unary
from .precision import float32_inside, in_float32

try:  # an exact normal CDF for float64; the fallback is the standard library's erfc
    from scipy.special import ndtr as _ndtr
except ImportError:  # pragma: no cover - depends on what is installed
    _erfc = np.vectorize(math.erfc, otypes=[np.float64])

    def _ndtr(x):
        return 0.5 * _erfc(-x * math.sqrt(0.5))

# Phi(x) ~ 1 / (1 + exp(-2 x G(x^2))) for |x| <= 7 (clamped beyond): G is our degree-6 least
# squares fit of atanh(2 Phi(x) - 1) / x on [0, 7], weighted by Phi's sensitivity to it; the
# error in Phi is below 1.2e-7, about float32's resolution. Coefficients of G, lowest first.
_G = (0.7978849973657415, 0.036332810608781095, -3.226363865898968e-05, -5.545711820988611e-05,
      3.994522323512918e-06, -1.3480499854283164e-07, 1.8320871425602962e-09)
_CLAMP = 7.0
_CHUNK = 1 << 16  # elements per chunk: a few float32 temporaries of this size stay in L2
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TANH_C, _TANH_A = math.sqrt(2.0 / math.pi), 0.044715
APPROXIMATIONS = ("none", "tanh")


def _chunked(xp, fn, scratch: int, *arrays):
    """fn(xp, out, bufs, *flat_chunks) over chunks of same-shape arrays into one new array:
    a long elementwise formula then runs in place on `scratch` chunk-sized buffers that stay in
    cache (fresh temporaries of this size would each cost page faults)."""
    shape, dtype = arrays[0].shape, arrays[0].dtype
    flat = [xp.ascontiguousarray(a).reshape(-1) for a in arrays]
    out = xp.empty(flat[0].size, dtype=dtype)
    bufs = [xp.empty(min(_CHUNK, out.size), dtype=dtype) for _ in range(scratch)]
    for s in range(0, out.size, _CHUNK):
        part = out[s:s + _CHUNK]
        fn(xp, part, [b[:part.size] for b in bufs], *(f[s:s + _CHUNK] for f in flat))
    return out.reshape(shape)


def _denominator(xp, out, bufs, x):
    """out = 1 + exp(-2 x G(x^2)) = 1 / Phi(x) (x clamped to +-7); bufs[0] keeps x^2."""
    x2 = bufs[0]
    xp.clip(x, -_CLAMP, _CLAMP, out=out)
    xp.multiply(out, out, out=x2)
    out *= -2.0
    p = bufs[1]
    xp.multiply(x2, _G[-1], out=p)
    for c in _G[-2:0:-1]:
        p += c
        p *= x2
    p += _G[0]
    out *= p
    xp.exp(out, out=out)
    out += 1.0


def _pdf(xp, out, x):
    """out = phi(x) = exp(-x^2 / 2) / sqrt(2 pi)."""
    xp.multiply(x, x, out=out)
    out *= -0.5
    xp.exp(out, out=out)
    out *= _INV_SQRT_2PI


def _gelu_erf(xp, out, bufs, x):
    _denominator(xp, out, bufs, x)
    xp.divide(x, out, out=out)


def _gelu_erf_slope(xp, out, bufs, g, x):
    # d/dx = Phi(x) + x phi(x)
    _denominator(xp, out, bufs, x)
    xp.reciprocal(out, out=out)
    _pdf(xp, bufs[0], x)
    bufs[0] *= x
    out += bufs[0]
    out *= g


def _tanh_of_inner(xp, out, x):
    """out = tanh(c (x + a x^3)), the gate of the tanh form."""
    xp.multiply(x, x, out=out)
    out *= _TANH_A
    out += 1.0
    out *= x
    out *= _TANH_C
    xp.tanh(out, out=out)


def _gelu_tanh(xp, out, bufs, x):
    _tanh_of_inner(xp, out, x)
    out += 1.0
    out *= x
    out *= 0.5


def _gelu_tanh_slope(xp, out, bufs, g, x):
    # d/dx = (1 + T) / 2 + x (1 - T^2) c (1 + 3 a x^2) / 2
    tt, inner = bufs[:2]
    _tanh_of_inner(xp, tt, x)
    xp.multiply(x, x, out=inner)
    inner *= 3.0 * _TANH_A
    inner += 1.0
    inner *= x
    inner *= _TANH_C
    xp.multiply(tt, tt, out=out)
    xp.subtract(1.0, out, out=out)
    out *= inner
    out += tt
    out += 1.0
    out *= g
    out *= 0.5


def _exact(x) -> bool:
    """float64 on NumPy: the exact CDF (float32 and GPU arrays take the fitted one)."""
    return x.dtype == np.float64 and isinstance(x, np.ndarray)


@in_float32  # float16's x^2 overflows past 256: inf * 0 would be NaN (PyTorch's is)
def _second_derivative(approximate: str, x: Tensor) -> Tensor:
    """GELU''(x) with ops (for second order): phi(x) (2 - x^2) for the erf form."""
    x2 = x * x
    if approximate == "none":
        return (x2 * -0.5).exp() * ((2.0 - x2) * _INV_SQRT_2PI)
    tt = ((x2 * _TANH_A + 1.0) * x * _TANH_C).tanh()
    du = (x2 * (3.0 * _TANH_A) + 1.0) * _TANH_C  # u' and u'' of u = c (x + a x^3)
    ddu = x * (6.0 * _TANH_A * _TANH_C)
    return (1.0 - tt * tt) * (du - x * tt * du * du + 0.5 * x * ddu)


@dataclass(frozen=True)
class Gelu(Primitive):
    """y = x Phi(x) ('none') or x (1 + tanh(c (x + 0.044715 x^3))) / 2 ('tanh');  dy = y' dx"""

    batch = batch_unary

    approximate: str = "none"

    @float32_inside
    def forward(self, xp, x):
        if self.approximate == "tanh":
            return _chunked(xp, _gelu_tanh, 0, x)
        if _exact(x):
            return x * _ndtr(x)
        return _chunked(xp, _gelu_erf, 2, x)

    def vjp(self, g, y, x):
        return (GeluGrad(self.approximate)(g, x),)

    def jvp(self, t, y, x):
        return GeluGrad(self.approximate)(t[0], x)


@dataclass(frozen=True)
class GeluGrad(Primitive):
    """y = g GELU'(x);  dg = GELU'(x) dg... as GeluGrad, dx = g GELU''(x) dx"""

    batch = batch_elementwise

    approximate: str = "none"

    @float32_inside
    def forward(self, xp, g, x):
        if self.approximate == "tanh":
            return _chunked(xp, _gelu_tanh_slope, 2, g, x)
        if _exact(x):
            return g * (_ndtr(x) + x * xp.exp(x * x * -0.5) * _INV_SQRT_2PI)
        return _chunked(xp, _gelu_erf_slope, 2, g, x)

    def vjp(self, h, y, g, x):
        gg = GeluGrad(self.approximate)(h, x) if g.requires_grad else None
        gx = h * g * _second_derivative(self.approximate, x) if x.requires_grad else None
        return gg, gx

    def jvp(self, t, y, g, x):
        return (GeluGrad(self.approximate)(t[0], x)
                + t[1] * g * _second_derivative(self.approximate, x))


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x) with Phi the standard normal CDF ('none'), or its tanh approximation ('tanh')."""
    if approximate not in APPROXIMATIONS:
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    float_only("gelu", x)
    return Gelu(approximate)(x)
