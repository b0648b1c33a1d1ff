"""Special functions the distributions need: lgamma, digamma, polygamma and erfinv (PyTorch's
names), each a primitive whose derivative is the next function of the family."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ._convert import float_only
from .batching import batch_unary
from .unary import _np_erf

# Bernoulli numbers B2 .. B12, for the asymptotic series of digamma and polygamma
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730)


def _fallback_polygamma(n: int, x: np.ndarray) -> np.ndarray:
    """psi^(n)(x) without SciPy: the recurrence up to x >= 15, then the asymptotic series.
    Digamma (n = 0) reflects x < 0.5; higher orders are defined here for x > 0 only (nan else)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    if n == 0:  # psi(x) = psi(1 - x) - pi / tan(pi x)
        reflect = x < 0.5
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(reflect, -math.pi / np.tan(math.pi * x), 0.0)
        x = np.where(reflect, 1 - x, x)
    else:
        out = np.where(x > 0, 0.0, np.nan)
        x = np.where(x > 0, x, 1.0)
    step = (-1) ** (n + 1) * math.factorial(n)  # psi^(n)(x) = psi^(n)(x + 1) + step / x^(n+1)
    for _ in range(15):
        low = x < 15
        out = np.where(low, out + step / x ** (n + 1), out)
        x = np.where(low, x + 1, x)
    if n == 0:
        series = np.log(x) - 0.5 / x
        for k, b in enumerate(_BERNOULLI, 1):
            series = series - b / (2 * k * x ** (2 * k))
    else:
        series = math.factorial(n - 1) / x ** n + math.factorial(n) / (2 * x ** (n + 1))
        for k, b in enumerate(_BERNOULLI, 1):
            coef = b * math.factorial(2 * k + n - 1) / math.factorial(2 * k)
            series = series + coef / x ** (2 * k + n)
        series = (-1) ** (n + 1) * series
    return out + series


def _fallback_erfinv(x: np.ndarray) -> np.ndarray:
    """erfinv without SciPy: Winitzki's approximation refined by Newton's method."""
    x = np.asarray(x, dtype=np.float64)
    inside = np.abs(x) < 1
    xi = np.where(inside, x, 0.0)
    a = 0.147
    ln = np.log1p(-xi * xi)
    t = 2 / (math.pi * a) + ln / 2
    y = np.sign(xi) * np.sqrt(np.sqrt(t * t - ln / a) - t)
    for _ in range(4):  # Newton: erf'(y) = 2/sqrt(pi) exp(-y^2)
        y = y - (_np_erf(y) - xi) / (2 / math.sqrt(math.pi) * np.exp(-y * y))
    edge = np.where(x == 1, np.inf, np.where(x == -1, -np.inf, np.nan))
    return np.where(inside, y, edge)


try:  # SciPy's are exact to the last bits; the fallbacks are close (about 1e-14 relative)
    from scipy.special import erfinv as _np_erfinv
    from scipy.special import gammaln as _np_lgamma
    from scipy.special import polygamma as _scipy_polygamma

    def _np_polygamma(n: int, x: np.ndarray) -> np.ndarray:
        return _scipy_polygamma(n, x)
except ImportError:  # pragma: no cover - depends on what is installed
    _np_lgamma = np.vectorize(math.lgamma, otypes=[np.float64])
    _np_polygamma = _fallback_polygamma
    _np_erfinv = _fallback_erfinv


def _cpu_only(name: str, xp) -> None:
    if xp is not np:  # pragma: no cover - GPU backends
        raise NotImplementedError(f"{name}: implemented for CPU tensors only")


@dataclass(frozen=True)
class Lgamma(Primitive):
    """y = log|Gamma(x)|;  dy = digamma(x) dx"""

    batch = batch_unary

    def forward(self, xp, x):
        _cpu_only("lgamma", xp)
        return np.asarray(_np_lgamma(x)).astype(x.dtype)

    def vjp(self, g, y, x):
        return (g * Polygamma(0)(x),)

    def jvp(self, t, y, x):
        return t[0] * Polygamma(0)(x)


@dataclass(frozen=True)
class Polygamma(Primitive):
    """y = psi^(n)(x), the n-th derivative of digamma;  dy = psi^(n+1)(x) dx"""

    n: int = 0
    batch = batch_unary

    def forward(self, xp, x):
        _cpu_only("polygamma", xp)
        return np.asarray(_np_polygamma(self.n, x)).astype(x.dtype)

    def vjp(self, g, y, x):
        return (g * Polygamma(self.n + 1)(x),)

    def jvp(self, t, y, x):
        return t[0] * Polygamma(self.n + 1)(x)


@dataclass(frozen=True)
class Erfinv(Primitive):
    """y = erfinv(x);  dy = sqrt(pi)/2 exp(y^2) dx"""

    batch = batch_unary

    def forward(self, xp, x):
        _cpu_only("erfinv", xp)
        return np.asarray(_np_erfinv(x)).astype(x.dtype)

    def _slope(self, y):
        return (y * y).exp() * (math.sqrt(math.pi) / 2)

    def vjp(self, g, y, x):
        return (g * self._slope(y),)

    def jvp(self, t, y, x):
        return t[0] * self._slope(y)


def lgamma(x: Tensor) -> Tensor:
    """log |Gamma(x)|, elementwise."""
    float_only("lgamma", x)
    return Lgamma()(x)


def digamma(x: Tensor) -> Tensor:
    """The logarithmic derivative of Gamma, d/dx log Gamma(x), elementwise."""
    float_only("digamma", x)
    return Polygamma(0)(x)


def polygamma(n: int, x: Tensor) -> Tensor:
    """The n-th derivative of digamma (n >= 0), elementwise; PyTorch's argument order."""
    float_only("polygamma", x)
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"polygamma: n must be a non-negative integer, got {n!r}")
    return Polygamma(n)(x)


def erfinv(x: Tensor) -> Tensor:
    """The inverse of erf on (-1, 1): +-inf at +-1, nan outside."""
    float_only("erfinv", x)
    return Erfinv()(x)
