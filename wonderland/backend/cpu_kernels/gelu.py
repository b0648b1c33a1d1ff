"""GELU and its derivative in one pass (numba): Gelu and GeluGrad on float32 (and float16, in
float32 and rounded once, as the forwards).

The NumPy forwards in ops/activation.py take about eighteen passes over cache-sized chunks;
here each element is read once, in vector registers, with the same formulas: both forms are
x times a logistic, x sigmoid(z), where z = 2 x G(x^2) (x clamped to +-7) is the fitted erf form
and z = 2 c (x + a x^3) the tanh form. Slopes: sigmoid(z) + x phi(x) for the erf form, and
s + 2 x s (1 - s) c (1 + 3 a x^2) with s = sigmoid(z) for the tanh form."""
from __future__ import annotations

import numpy as np

from ...ops.activation import _CLAMP, _G, _INV_SQRT_2PI, _TANH_A, _TANH_C, Gelu, GeluGrad
from ...ops.precision import float32_kernel
from ..kernels import register_kernel
from ._numba import KERNEL_MIN_SIZE, njit
from .fast_math import exp32, logistic32

_FLAGS = {"contract"}
_G32 = tuple(np.float32(c) for c in _G[::-1])  # highest power first, for Horner
_CLAMP32 = np.float32(_CLAMP)
_C32, _A32 = np.float32(_TANH_C), np.float32(_TANH_A)
_PHI32 = np.float32(_INV_SQRT_2PI)
_TWO = np.float32(2.0)


@njit(inline="always", fastmath=_FLAGS, error_model="numpy")
def _erf_z(x):
    """2 x G(x^2) with x clamped to +-7: Phi(x) = sigmoid of it (NaN stays NaN)."""
    c = x if x > -_CLAMP32 else -_CLAMP32
    c = c if c < _CLAMP32 else _CLAMP32
    c2 = c * c
    p = _G32[0]
    for coefficient in _G32[1:]:
        p = p * c2 + coefficient
    z = _TWO * c * p
    return z if x == x else x


@njit(inline="always", fastmath=_FLAGS, error_model="numpy")
def _tanh_z(x):
    return _TWO * _C32 * (x + _A32 * x * x * x)


@njit(fastmath=_FLAGS, error_model="numpy")
def _gelu_erf(x, out):
    for i in range(x.size):
        out[i] = x[i] * logistic32(_erf_z(x[i]))


@njit(fastmath=_FLAGS, error_model="numpy")
def _gelu_tanh(x, out):
    for i in range(x.size):
        out[i] = x[i] * logistic32(_tanh_z(x[i]))


@njit(fastmath=_FLAGS, error_model="numpy")
def _gelu_erf_slope(g, x, out):
    for i in range(x.size):
        v = x[i]
        pdf = exp32(np.float32(-0.5) * v * v) * _PHI32
        out[i] = g[i] * (logistic32(_erf_z(v)) + v * pdf)


@njit(fastmath=_FLAGS, error_model="numpy")
def _gelu_tanh_slope(g, x, out):
    for i in range(x.size):
        v = x[i]
        s = logistic32(_tanh_z(v))
        du = _C32 * (np.float32(1.0) + np.float32(3.0) * _A32 * v * v)
        out[i] = g[i] * (s + _TWO * v * s * (np.float32(1.0) - s) * du)


def _flat(*arrays):
    """The arrays as flat C-contiguous float32 (copied where their layout needs it, as the NumPy
    forward's chunks do: a gradient often arrives as a broadcast view), or None for those the
    kernels skip."""
    first = arrays[0]
    if first.size < KERNEL_MIN_SIZE or any(a.dtype != np.float32 or a.shape != first.shape
                                           for a in arrays):
        return None
    return [np.ascontiguousarray(a).reshape(-1) for a in arrays]


@float32_kernel
def gelu(prim: Gelu, x):
    flat = _flat(x)
    if flat is None:
        return NotImplemented
    out = np.empty(x.shape, dtype=x.dtype)
    (_gelu_tanh if prim.approximate == "tanh" else _gelu_erf)(*flat, out.reshape(-1))
    return out


@float32_kernel
def gelu_grad(prim: GeluGrad, g, x):
    flat = _flat(g, x)
    if flat is None:
        return NotImplemented
    out = np.empty(x.shape, dtype=x.dtype)
    slope = _gelu_tanh_slope if prim.approximate == "tanh" else _gelu_erf_slope
    slope(*flat, out.reshape(-1))
    return out


register_kernel("cpu", Gelu, gelu)
register_kernel("cpu", GeluGrad, gelu_grad)
