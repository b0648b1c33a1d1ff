"""Op-spec rows: comparisons, logical ops and value tests (boolean results, no derivative).

Integer inputs drawn from a few values tie often, so ==, <= and >= are checked on ties too;
NaN and infinities come in through const()."""
import numpy as np
import torch

import wonderland as wl

from ..spec import bools, const, ints, real, spec

S = (3, 4)
NAN, INF = float("nan"), float("inf")
SPECIAL = const([[0.0, NAN, INF, -INF], [1.5, -0.0, NAN, 2.0], [-INF, -1.0, 1e308, 3.0]])
SPECIAL_B = const([[0.0, NAN, INF, INF], [1.5, 0.0, 1.0, NAN], [-INF, -1.0, INF, -3.0]])
FEW = ints(*S, low=0, high=3)  # three values in twelve places: many ties
ORDERED = [
    ("eq", "Equal", wl.eq, lambda a, b: a == b, np.equal, torch.eq),
    ("ne", "NotEqual", wl.ne, lambda a, b: a != b, np.not_equal, torch.ne),
    ("lt", "Less", wl.lt, lambda a, b: a < b, np.less, torch.lt),
    ("le", "LessEqual", wl.le, lambda a, b: a <= b, np.less_equal, torch.le),
    ("gt", "Greater", wl.gt, lambda a, b: a > b, np.greater, torch.gt),
    ("ge", "GreaterEqual", wl.ge, lambda a, b: a >= b, np.greater_equal, torch.ge),
]
LOGICAL = [
    ("logical_and", "LogicalAnd", wl.logical_and, np.logical_and, torch.logical_and),
    ("logical_or", "LogicalOr", wl.logical_or, np.logical_or, torch.logical_or),
    ("logical_xor", "LogicalXor", wl.logical_xor, np.logical_xor, torch.logical_xor),
]


def _ordered_rows():
    rows = []
    for name, prim, fn, operator, np_fn, torch_fn in ORDERED:
        rows += [
            spec(f"{name}_ties", prim, fn, [FEW, FEW], np_fn, torch_fn, grad=False),
            spec(f"{name}_operator_floats", prim, operator, [real(*S), real(*S)], np_fn,
                 torch_fn, grad=False),
            spec(f"{name}_col_row", (prim, "BroadcastTo"), fn,
                 [ints(3, 1, high=3), ints(1, 4, high=3)], np_fn, torch_fn, grad=False),
            spec(f"{name}_int_float_vector_3d", (prim, "BroadcastTo", "Cast"), fn,
                 [ints(4, high=3), const(np.arange(24.0).reshape(2, 3, 4) % 3)],
                 np_fn, torch_fn, grad=False),
            spec(f"{name}_python_scalar", prim, lambda x, op=operator: op(x, 1), [FEW],
                 lambda x, f=np_fn: f(x, 1), lambda x, f=torch_fn: f(x, 1), grad=False),
            spec(f"{name}_nan_inf", prim, fn, [SPECIAL, SPECIAL_B], np_fn, torch_fn,
                 grad=False),
        ]
    return rows


def _logical_rows():
    rows = []
    for name, prim, fn, np_fn, torch_fn in LOGICAL:
        rows += [
            spec(f"{name}", prim, fn, [bools(*S), bools(*S)], np_fn, torch_fn, grad=False),
            spec(f"{name}_col_row", (prim, "BroadcastTo"), fn, [bools(3, 1), bools(1, 4)],
                 np_fn, torch_fn, grad=False),
            spec(f"{name}_numbers", prim, fn, [FEW, real(*S)], np_fn, torch_fn, grad=False),
            spec(f"{name}_nan_inf", prim, fn, [SPECIAL, SPECIAL_B], np_fn, torch_fn,
                 grad=False),
        ]
    return rows


SPECS = _ordered_rows() + _logical_rows() + [
    # Reflected comparisons with a Python number on the left.
    spec("lt_reflected_python_scalar", "Greater", lambda x: 0.5 < x, [real(*S)],
         lambda x: 0.5 < x, lambda x: 0.5 < x, grad=False),
    spec("eq_scalar_tensor_matrix", ("Equal", "BroadcastTo"), wl.eq, [const(1), FEW],
         np.equal, torch.eq, grad=False),
    # Operators on bool tensors.
    spec("bool_and_operator", "LogicalAnd", lambda a, b: a & b, [bools(*S), bools(*S)],
         np.logical_and, lambda a, b: a & b, grad=False),
    spec("bool_or_operator_broadcast", ("LogicalOr", "BroadcastTo"), lambda a, b: a | b,
         [bools(3, 1), bools(4)], np.logical_or, lambda a, b: a | b, grad=False),
    spec("bool_xor_operator", "LogicalXor", lambda a, b: a ^ b, [bools(*S), bools(*S)],
         np.logical_xor, lambda a, b: a ^ b, grad=False),
    spec("bool_invert_operator", "LogicalNot", lambda a: ~a, [bools(*S)], np.logical_not,
         lambda a: ~a, grad=False),
    spec("bool_eq_operator", "Equal", lambda a, b: a == b, [bools(*S), bools(*S)], np.equal,
         lambda a, b: a == b, grad=False),
    spec("bool_lt_operator", "Less", lambda a, b: a < b, [bools(*S), bools(*S)], np.less,
         lambda a, b: a < b, grad=False),
    spec("bool_mixed_operators", ("LogicalAnd", "LogicalOr", "LogicalNot", "Less"),
         lambda x, m: (x < 0) & ~m | m, [real(*S), bools(*S)],
         lambda x, m: ((x < 0) & ~m) | m, lambda x, m: (x < 0) & ~m | m, grad=False),
    # One-input predicates.
    spec("logical_not", "LogicalNot", wl.logical_not, [bools(*S)], np.logical_not,
         torch.logical_not, grad=False),
    spec("logical_not_numbers", "LogicalNot", wl.logical_not, [SPECIAL], np.logical_not,
         torch.logical_not, grad=False),
    spec("isnan", "IsNan", wl.isnan, [SPECIAL], np.isnan, torch.isnan, grad=False),
    spec("isnan_method_finite", "IsNan", lambda x: x.isnan(), [real(*S)], np.isnan,
         torch.isnan, grad=False),
    spec("isinf", "IsInf", wl.isinf, [SPECIAL], np.isinf, torch.isinf, grad=False),
    spec("isinf_ints", "IsInf", wl.isinf, [FEW], np.isinf, torch.isinf, grad=False),
    spec("isfinite", ("IsNan", "IsInf", "LogicalOr", "LogicalNot"), wl.isfinite, [SPECIAL],
         np.isfinite, torch.isfinite, grad=False),
]
