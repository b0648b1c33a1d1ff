"""Converters of the elementwise primitives, activations, reductions, softmax and Standardize."""
from __future__ import annotations

import math

import numpy as np

from .table import converts

_UNARY = {"Neg": "Neg", "Abs": "Abs", "Sqrt": "Sqrt", "Exp": "Exp", "Log": "Log",
          "Tanh": "Tanh", "Sigmoid": "Sigmoid", "Relu": "Relu", "Erf": "Erf", "Sin": "Sin",
          "Cos": "Cos", "Tan": "Tan", "Asin": "Asin", "Acos": "Acos", "Atan": "Atan",
          "Sinh": "Sinh", "Cosh": "Cosh", "Floor": "Floor", "Ceil": "Ceil", "Sign": "Sign",
          "IsNan": "IsNaN", "IsInf": "IsInf", "LogicalNot": "Not", "ToDevice": "Identity",
          "Alias": "Identity"}
_BINARY = {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "Pow": "Pow",
           "Maximum": "Max", "Minimum": "Min", "Equal": "Equal", "Less": "Less",
           "LessEqual": "LessOrEqual", "Greater": "Greater", "GreaterEqual": "GreaterOrEqual",
           "LogicalAnd": "And", "LogicalOr": "Or", "LogicalXor": "Xor"}
_REDUCE = {"Sum": "ReduceSum", "Amax": "ReduceMax", "Amin": "ReduceMin", "Prod": "ReduceProd"}


def _dtype(x) -> np.dtype:
    return x._data.dtype


@converts(*_UNARY)
def unary(g, prim, ins, xs, out):
    return g.node(_UNARY[prim.name], ins)


@converts(*_BINARY)
def binary(g, prim, ins, xs, out):
    return g.node(_BINARY[prim.name], ins)


@converts("NotEqual")
def not_equal(g, prim, ins, xs, out):
    return g.node("Not", [g.node("Equal", ins)])


@converts("Where")
def where(g, prim, ins, xs, out):
    return g.node("Where", ins)


@converts("Rsqrt")
def rsqrt(g, prim, ins, xs, out):
    return g.node("Reciprocal", [g.node("Sqrt", ins)])


@converts("Log1p")
def log1p(g, prim, ins, xs, out):
    return g.node("Log", [g.node("Add", [ins[0], g.const(1, _dtype(xs[0]))])])


@converts("Expm1")
def expm1(g, prim, ins, xs, out):
    return g.node("Sub", [g.node("Exp", ins), g.const(1, _dtype(xs[0]))])


@converts("Log2", "Log10")
def log_base(g, prim, ins, xs, out):
    base = 2.0 if prim.name == "Log2" else 10.0
    return g.node("Div", [g.node("Log", ins), g.const(math.log(base), _dtype(xs[0]))])


@converts("Exp2")
def exp2(g, prim, ins, xs, out):
    return g.node("Pow", [g.const(2, _dtype(xs[0])), ins[0]])


@converts("Round")
def round_(g, prim, ins, xs, out):
    """Half to even, as NumPy's and ONNX's; decimals d as round(x 10^d) / 10^d."""
    if not prim.decimals:
        return g.node("Round", ins)
    scale = g.const(10.0 ** prim.decimals, _dtype(xs[0]))
    return g.node("Div", [g.node("Round", [g.node("Mul", [ins[0], scale])]), scale])


@converts("PowScalar")
def pow_scalar(g, prim, ins, xs, out):
    return g.node("Pow", [ins[0], g.const(prim.exponent, _dtype(xs[0]))])


@converts("Clip")
def clip(g, prim, ins, xs, out):
    bounds = ["" if v is None else g.const(v, _dtype(xs[0])) for v in (prim.low, prim.high)]
    return g.node("Clip", [ins[0], *bounds])


@converts("Gelu")
def gelu(g, prim, ins, xs, out):
    """0.5 x (1 + erf(x / sqrt 2)), or with tanh(sqrt(2 / pi) (x + 0.044715 x^3))."""
    x, dtype = ins[0], _dtype(xs[0])
    if prim.approximate == "tanh":
        cube = g.node("Mul", [g.node("Mul", [x, x]), x])
        inner = g.node("Add", [x, g.node("Mul", [cube, g.const(0.044715, dtype)])])
        inner = g.node("Mul", [inner, g.const(math.sqrt(2 / math.pi), dtype)])
        s = g.node("Tanh", [inner])
    else:
        s = g.node("Erf", [g.node("Mul", [x, g.const(1 / math.sqrt(2), dtype)])])
    half = g.node("Mul", [x, g.const(0.5, dtype)])
    return g.node("Mul", [half, g.node("Add", [s, g.const(1, dtype)])])


@converts(*_REDUCE)
def reduce(g, prim, ins, xs, out):
    return g.reduce(_REDUCE[prim.name], ins[0], prim.axes, prim.keepdims)


@converts("ArgMax", "ArgMin")
def arg_extremum(g, prim, ins, xs, out):
    return g.node(prim.name, ins, axis=int(prim.axis), keepdims=int(prim.keepdims))


@converts("Cumsum")
def cumsum(g, prim, ins, xs, out):
    return g.node("CumSum", [ins[0], g.const(prim.axis, np.int64)])


@converts("MaskedSoftmax")
def masked_softmax(g, prim, ins, xs, out):
    """softmax(scale x + mask) over the last axis; causal adds -inf above the diagonal.
    (A row with every entry masked gives zeros in wonderland and NaN in ONNX's Softmax.)"""
    s, dtype = ins[0], _dtype(xs[0])
    if prim.scale != 1.0:
        s = g.node("Mul", [s, g.const(prim.scale, dtype)])
    if prim.causal:
        rows, cols = xs[0].shape[-2:]
        bias = np.where(np.tri(rows, cols, dtype=bool), 0.0, -np.inf).astype(dtype)
        s = g.node("Add", [s, g.const(bias)])
    if len(ins) > 1:
        if xs[1]._data.dtype == np.bool_:
            s = g.node("Where", [ins[1], s, g.const(-np.inf, dtype)])
        else:
            s = g.node("Add", [s, ins[1]])
    return g.node("Softmax", [s], axis=-1)


@converts("Standardize")
def standardize(g, prim, ins, xs, out):
    """(x - mean) / sqrt(var + eps), centred twice as wonderland's kernel does."""
    x, dtype = ins[0], _dtype(xs[0])
    centred = g.node("Sub", [x, g.reduce("ReduceMean", x, prim.axes, True)])
    centred = g.node("Sub", [centred, g.reduce("ReduceMean", centred, prim.axes, True)])
    var = g.reduce("ReduceMean", g.node("Mul", [centred, centred]), prim.axes, True)
    std = g.node("Sqrt", [g.node("Add", [var, g.const(prim.eps, dtype)])])
    return g.node("Mul", [centred, g.node("Reciprocal", [std])])
