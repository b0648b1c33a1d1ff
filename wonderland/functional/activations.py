"""Activation functions: relu, gelu, silu, softplus, softmax, log_softmax, glu ... as composites of
ops, stable at extreme inputs (softmax, log_softmax and softplus stay finite at +-1e4). Those of
several ops compute float16 in float32 and round once, as PyTorch's fused kernels do."""
# ruff: noqa: A002  (PyTorch's argument name `input`)
from __future__ import annotations

import warnings

from ..core.tensor import Tensor
from ..ops import amax, chunk, clamp, exp, expm1, log, log1p, where
from ..ops import relu as _relu
from ..ops import sigmoid as _sigmoid
from ..ops import tanh as _tanh
from ..ops._convert import norm_dim
from ..ops.activation import gelu as _gelu
from ..ops.precision import in_float32

__all__ = ["relu", "leaky_relu", "elu", "gelu", "silu", "mish", "softplus", "sigmoid", "tanh",
           "hardtanh", "softmax", "log_softmax", "glu"]

def written(name: str, fn, input: Tensor, inplace: bool, *args) -> Tensor:
    """fn(input, *args); with inplace=True the result is written into input, whose history moves
    onto it (core/inplace.py), and input comes back, as PyTorch's in-place activations."""
    if not inplace:
        return fn(input, *args)
    from ..core.inplace import apply

    return apply(f"{name}(inplace=True)", input, fn, *args)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0), with gradient 0 at x = 0."""
    return written("relu", _relu, input, inplace)


def _leaky_relu(input: Tensor, negative_slope: float) -> Tensor:
    return where(input > 0, input, input * negative_slope)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    return written("leaky_relu", _leaky_relu, input, inplace, negative_slope)


@in_float32
def _elu(input: Tensor, alpha: float) -> Tensor:
    # the exponential sees min(x, 0): a large x would overflow it, and where() would turn the
    # unused branch's inf slope into a nan gradient
    return where(input > 0, input, alpha * expm1(clamp(input, max=0.0)))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return written("elu", _elu, input, inplace, alpha)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) with Phi the standard normal CDF ('none'), or its tanh approximation ('tanh'),
    as one fused primitive (wonderland.ops.activation)."""
    return _gelu(input, approximate)


@in_float32
def _silu(input: Tensor) -> Tensor:
    return input * _sigmoid(input)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (also called swish)."""
    return written("silu", _silu, input, inplace)


@in_float32
def _mish(input: Tensor) -> Tensor:
    return input * _tanh(softplus(input))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    return written("mish", _mish, input, inplace)


@in_float32
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold (as PyTorch)."""
    z = input * beta
    # the exponential sees z clamped to the threshold, so neither branch ever overflows
    soft = log1p(exp(clamp(z, max=float(threshold)))) / beta
    return where(z > threshold, input, soft)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x))."""
    return _sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """The hyperbolic tangent."""
    return _tanh(input)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val]; the gradient is 1 strictly inside, 0 elsewhere."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    return written("hardtanh", _hardtanh, input, inplace, min_val, max_val)


def _hardtanh(input: Tensor, min_val: float, max_val: float) -> Tensor:
    inside = (input > min_val) & (input < max_val)
    return where(inside, input, clamp(input, min_val, max_val).detach())


def _softmax_dim(name: str, dim: int | None, ndim: int) -> int:
    if dim is not None:
        return norm_dim(dim, ndim, name)
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def _shifted(x: Tensor, dim: int) -> Tensor:
    """x - max along dim (the max held constant: it cancels in the result), so that exp never
    overflows; an infinite max is left unshifted."""
    if x.ndim == 0:
        return x - x.detach()
    m = amax(x, dim, keepdim=True).detach()
    return x - where(m.isinf(), 0.0, m)


def softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along dim, computed after subtracting the maximum (x is input,
    converted to dtype first when given)."""
    d = _softmax_dim("softmax", dim, input.ndim)
    return _softmax(input if dtype is None else input.to(dtype), d)


@in_float32
def _softmax(x: Tensor, dim: int) -> Tensor:
    e = exp(_shifted(x, dim))
    return e / e.sum(dim, keepdim=True) if x.ndim else e


def log_softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """x - logsumexp(x) along dim, computed after subtracting the maximum (x is input,
    converted to dtype first when given)."""
    d = _softmax_dim("log_softmax", dim, input.ndim)
    return _log_softmax(input if dtype is None else input.to(dtype), d)


@in_float32
def _log_softmax(x: Tensor, dim: int) -> Tensor:
    z = _shifted(x, dim)
    return z - log(exp(z).sum(dim, keepdim=True)) if x.ndim else z


@in_float32
def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b), where a and b are the two halves of the input along dim."""
    if input.ndim == 0:
        raise ValueError("glu: does not support 0-d (scalar) input")
    d = norm_dim(dim, input.ndim, "glu")
    if input.shape[d] % 2:
        raise ValueError(f"glu: the halved dimension must have even size, but dimension {dim} "
                         f"of input shape {input.shape} has size {input.shape[d]}")
    a, b = chunk(input, 2, d)
    return a * _sigmoid(b)
