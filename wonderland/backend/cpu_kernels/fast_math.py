"""float32 exp and logistic written out in arithmetic, for numba loops to vectorise.

numba calls libm's scalar expf, which stops LLVM from vectorising the loop around it (a GELU
written that way ran 3x slower than NumPy's passes). Here exp(x) = 2^n exp(r), with
n = round(x / ln 2), r = x - n ln 2 (ln 2 split in two, Cody and Waite, so n ln 2 is exact to
float32), exp(r) on |r| <= ln2 / 2 by its Taylor polynomial to degree 7 (remainder below
float32's resolution), and 2^n built in the exponent bits. Error: under 2 ulp."""
from __future__ import annotations

import llvmlite.ir as llvm_ir
import numpy as np
from numba import types
from numba.extending import intrinsic

from ._numba import njit

_LOG2E = np.float32(1.4426950408889634)
_LN2_HI = np.float32(0.693145751953125)  # few significant bits: n * _LN2_HI is exact
_LN2_LO = np.float32(1.4286067653302e-06)
_LOWEST, _HIGHEST = np.float32(-104.0), np.float32(89.0)  # exp is 0 and inf beyond these
_TAYLOR = tuple(np.float32(1.0 / f) for f in (5040, 720, 120, 24, 6, 2, 1, 1))  # r^7 first


@intrinsic
def _bits_as_float32(typingctx, bits):
    """The float32 whose IEEE bits are the low 32 bits of an integer (a bit cast, no convert)."""
    if not isinstance(bits, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        word = args[0]
        if bits.bitwidth > 32:
            word = builder.trunc(word, llvm_ir.IntType(32))
        return builder.bitcast(word, llvm_ir.FloatType())
    return types.float32(bits), codegen


@njit(inline="always")
def _power_of_two(n):
    """2^n for an integer n in [-126, 127], from its exponent bits."""
    return _bits_as_float32((n + np.int32(127)) << np.int32(23))


@njit(inline="always", fastmath={"contract"}, error_model="numpy")
def exp32(x):
    """exp of a float32: subnormal results and overflow to inf as IEEE rounding gives them."""
    a = x if x > _LOWEST else _LOWEST
    a = a if a < _HIGHEST else _HIGHEST
    n = np.floor(a * _LOG2E + np.float32(0.5))
    r = a - n * _LN2_HI - n * _LN2_LO
    p = _TAYLOR[0]
    for c in _TAYLOR[1:]:
        p = p * r + c
    # 2^n in two factors, each a normal float32 for n in [-150, 129]: the last product rounds
    # into the subnormals or overflows to inf exactly as a correctly rounded exp would
    half = np.int32(n) >> np.int32(1)
    y = p * _power_of_two(half) * _power_of_two(np.int32(n) - half)
    return y if x == x else x


@njit(inline="always", fastmath={"contract"}, error_model="numpy")
def logistic32(z):
    """1 / (1 + exp(-z)) for a float32 z: exactly 0 at -inf, 1 at +inf."""
    return np.float32(1.0) / (np.float32(1.0) + exp32(-z))
