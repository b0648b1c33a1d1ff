"""Elementwise composites of the primitives, by PyTorch's names: lerp, frac, fmod, reciprocal,
float_power, hypot, logaddexp, nan_to_num, isclose; addmm and baddbmm; softmax as a function.

No derivative code here: each gradient is the composite's own (PyTorch's formulas agree)."""
from __future__ import annotations

import numpy as np

from ..core import dtype as dt
from ..core.tensor import Tensor
from ._convert import broadcast_all, float_only, promote_args
from .autocast import lower_precision
from .binary import maximum, where
from .compare import isfinite, isinf, isnan
from .matmul import bmm, mm
from .precision import in_float32
from .rounding import trunc, trunc_divide
from .unary import abs as abs_


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:  # noqa: A002  (PyTorch's names)
    """input + weight (end - input): linear interpolation (weight a number or a tensor)."""
    float_only("lerp", input)
    return input + weight * (end - input)


def frac(input: Tensor) -> Tensor:  # noqa: A002
    """The fractional part, input - trunc(input) (keeps the sign: frac(-1.5) = -0.5)."""
    float_only("frac", input)
    return input - trunc(input)


@in_float32  # float16's product trunc(a / b) b would round before the subtraction
def fmod(input, other) -> Tensor:  # noqa: A002
    """a - trunc(a / b) b, with the sign of a (C's fmod; `%` is remainder, with b's sign)."""
    a, b = broadcast_all("fmod", *promote_args("fmod", input, other))
    return a - trunc_divide(a, b) * b


def reciprocal(input: Tensor) -> Tensor:  # noqa: A002
    """1 / input; integers give the default float dtype, as in PyTorch."""
    return 1 / (input if input.is_floating_point else input.to(dt.get_default_dtype()))


def float_power(input, exponent) -> Tensor:  # noqa: A002
    """input ** exponent computed in float64 (PyTorch's float_power always returns float64)."""
    if isinstance(exponent, Tensor):
        exponent = exponent.double()
    if isinstance(input, Tensor):
        return input.double() ** exponent
    from .creation import tensor

    return tensor(float(input), dtype=dt.float64, device=exponent.device) ** exponent


@in_float32
def hypot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """sqrt(input^2 + other^2) elementwise."""
    a, b = promote_args("hypot", input, other)
    float_only("hypot", a)
    return (a * a + b * b).sqrt()


@in_float32
def logaddexp(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """log(exp(input) + exp(other)) without overflow: max + log1p(exp(-|input - other|))."""
    a, b = broadcast_all("logaddexp", *promote_args("logaddexp", input, other))
    float_only("logaddexp", a)
    same_inf = isinf(a) & (a == b)  # -inf and -inf (or inf and inf): a - b would be nan
    a_, b_ = where(same_inf, 0.0, a), where(same_inf, 0.0, b)
    return where(same_inf, a, maximum(a_, b_) + (-abs_(a_ - b_)).exp().log1p())


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,  # noqa: A002
               neginf: float | None = None) -> Tensor:
    """NaN, +inf and -inf replaced by numbers (by default 0 and the dtype's largest and
    smallest finite values); the gradient is zero at the replaced entries."""
    if not input.is_floating_point:
        return input.clone()
    info = np.finfo(input.dtype.np_dtype)
    posinf = float(info.max) if posinf is None else posinf
    neginf = float(info.min) if neginf is None else neginf
    out = where(isnan(input), nan, input)
    out = where(input == float("inf"), posinf, out)
    return where(input == float("-inf"), neginf, out)


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
            equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol |other| elementwise, as a bool tensor; infinities are close
    only to themselves, NaN to NaN only with equal_nan."""
    a, b = broadcast_all("isclose", *promote_args("isclose", input, other))
    close = a == b
    if a.is_floating_point:
        finite = isfinite(a) & isfinite(b)
        a_, b_ = where(finite, a, 0), where(finite, b, 0)  # inf - inf would warn
        near = finite & (abs_(a_ - b_) <= atol + rtol * abs_(b_))
        close = close | near
        if equal_nan:
            close = close | (isnan(a) & isnan(b))
    return close


def _scaled_sum(base: Tensor, product: Tensor, beta, alpha, name: str) -> Tensor:
    """beta base + alpha product; with beta = 0 base is ignored (its NaN too), as PyTorch."""
    product = product if alpha == 1 else alpha * product
    if beta == 0:
        return product
    out = base + product if beta == 1 else beta * base + product
    if out.shape != product.shape:
        raise ValueError(f"{name}: input of shape {base.shape} does not broadcast to the "
                         f"product's shape {product.shape}")
    return out


@lower_precision  # under autocast, in its dtype (input too, as PyTorch's)
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:  # noqa: A002
    """beta input + alpha (mat1 @ mat2) for matrices (input broadcasts to the product)."""
    return _scaled_sum(input, mm(mat1, mat2), beta, alpha, "addmm")


@lower_precision
def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1,  # noqa: A002
            alpha=1) -> Tensor:
    """beta input + alpha (batch1 @ batch2) for batches of matrices."""
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha, "baddbmm")


def softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:  # noqa: A002
    """exp(x) / sum(exp(x)) along dim (wl.nn.functional.softmax)."""
    from ..functional import activations  # the composite lives with the other activations

    return activations.softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:  # noqa: A002
    """x - logsumexp(x) along dim (wl.nn.functional.log_softmax)."""
    from ..functional import activations

    return activations.log_softmax(input, dim, dtype)
