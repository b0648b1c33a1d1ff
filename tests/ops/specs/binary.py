"""Op-spec rows: elementwise functions of two tensors, where(), floor division and remainder.

Broadcasting rows exercise BroadcastTo's vjp through each primitive; tie rows for maximum and
minimum compare the even split of the gradient with PyTorch (finite differences are undefined
at a tie, so they are off there)."""
import numpy as np
import torch

import wonderland as wl

from ..spec import away_from, bools, const, distinct, ints, positive, real, spec

S = (3, 4)

# Inputs that tie on purpose: equal entries (also in the broadcast row) and a tied row of b.
TIE_A = const([[1.0, -0.5, 2.0, 0.0], [0.25, 0.25, -1.0, 3.0], [1.5, -2.0, 0.0, 0.5]])
TIE_B = const([[1.0, 0.5, -2.0, 0.0], [0.25, 0.75, -1.0, 2.0], [1.5, -2.0, 1.0, 0.5]])
TIE_SCALAR = const(0.25)
# Bases with exact zeros (and negatives) for integer exponents, where the slope is finite.
ZERO_BASE = const([[0.0, 1.5, -0.5, 0.0], [2.0, 0.0, -1.25, 0.75], [0.0, -2.0, 0.5, 1.0]])
ZERO_BASE_POS = const([[0.0, 1.5, 0.5, 0.0], [2.0, 0.0, 1.25, 0.75], [0.0, 2.0, 0.5, 1.0]])
# remainder by 1.5: dividends kept away from the jumps at multiples of 1.5.
MULTIPLES = [-4.5, -3.0, -1.5, 0.0, 1.5, 3.0, 4.5]

SPECS = [
    # --- add, sub, mul, div: equal shapes, broadcasting, Python scalars on either side -------
    spec("add", "Add", lambda a, b: a + b, [real(*S), real(*S)], np.add, torch.add),
    spec("add_fn_scalar_tensor_matrix", ("Add", "BroadcastTo"), wl.add, [real(), real(*S)],
         np.add, torch.add),
    spec("add_col_row", ("Add", "BroadcastTo"), lambda a, b: a + b, [real(3, 1), real(1, 4)],
         np.add, torch.add),
    spec("add_vector_3d", ("Add", "BroadcastTo"), lambda a, b: a + b, [real(4), real(2, 3, 4)],
         np.add, torch.add),
    spec("add_python_scalar_left", "Add", lambda x: 1.5 + x, [real(*S)], lambda x: 1.5 + x,
         lambda x: 1.5 + x),
    spec("sub", "Sub", lambda a, b: a - b, [real(*S), real(*S)], np.subtract, torch.sub),
    spec("sub_fn_matrix_scalar_tensor", ("Sub", "BroadcastTo"), wl.sub, [real(*S), real()],
         np.subtract, torch.sub),
    spec("sub_3d_vector", ("Sub", "BroadcastTo"), lambda a, b: a - b, [real(2, 3, 4), real(4)],
         np.subtract, torch.sub),
    spec("sub_python_scalar_left", "Sub", lambda x: 2.0 - x, [real(*S)], lambda x: 2.0 - x,
         lambda x: 2.0 - x),
    spec("sub_python_scalar_right", "Sub", lambda x: x - 2, [real(*S)], lambda x: x - 2,
         lambda x: x - 2),
    spec("mul", "Mul", lambda a, b: a * b, [real(*S), real(*S)], np.multiply, torch.mul),
    spec("mul_fn_col_row", ("Mul", "BroadcastTo"), wl.mul, [real(3, 1), real(1, 4)],
         np.multiply, torch.mul),
    spec("mul_scalar_tensor_matrix", ("Mul", "BroadcastTo"), lambda a, b: a * b,
         [real(), real(*S)], np.multiply, torch.mul),
    spec("mul_vector_3d", ("Mul", "BroadcastTo"), lambda a, b: a * b, [real(4), real(2, 3, 4)],
         np.multiply, torch.mul),
    spec("mul_self", "Mul", lambda x: x * x, [real(*S)], np.square, torch.square),
    spec("mul_python_scalars", "Mul", lambda x: 3 * x * 0.5, [real(*S)], lambda x: 1.5 * x,
         lambda x: 3 * x * 0.5),
    spec("div", "Div", lambda a, b: a / b, [real(*S), away_from(0, *S, gap=0.3)], np.divide,
         torch.div),
    spec("div_fn_col_row", ("Div", "BroadcastTo"), wl.div, [real(3, 1), positive(1, 4)],
         np.divide, torch.div),
    spec("div_3d_vector", ("Div", "BroadcastTo"), lambda a, b: a / b,
         [real(2, 3, 4), away_from(0, 4, gap=0.3)], np.divide, torch.div),
    spec("div_python_scalar_left", "Div", lambda x: 1.0 / x, [away_from(0, *S, gap=0.3)],
         lambda x: 1.0 / x, lambda x: 1.0 / x),
    spec("div_python_scalar_right", "Div", lambda x: x / 4, [real(*S)], lambda x: x / 4,
         lambda x: x / 4),
    spec("div_ints_true", ("Div", "Cast"), lambda a, b: a / b,
         [ints(*S, low=-5, high=5), ints(*S, low=1, high=4)], np.true_divide, torch.div,
         grad=False),

    # --- pow: scalar and tensor exponents, exact zeros in the base -------------------------
    spec("pow_cube", "PowScalar", lambda x: x ** 3, [real(*S)], lambda x: x ** 3, lambda x: x ** 3),
    spec("pow_fractional", "PowScalar", lambda x: x ** 2.5, [positive(*S)], lambda x: x ** 2.5,
         lambda x: x ** 2.5),
    spec("pow_negative_exponent", "PowScalar", lambda x: wl.pow(x, -2), [away_from(0, *S, gap=0.3)],
         lambda x: x ** -2.0, lambda x: torch.pow(x, -2)),
    spec("pow_python_base", "Pow", lambda x: 2 ** x, [real(*S)], lambda x: 2.0 ** x,
         lambda x: 2 ** x),
    spec("pow_tensor_exponent", "Pow", lambda a, b: a ** b, [positive(*S), real(*S)],
         np.power, torch.pow),
    spec("pow_col_row", ("Pow", "BroadcastTo"), wl.pow, [positive(3, 1), real(1, 4)],
         np.power, torch.pow),
    spec("pow_zero_base_square", "PowScalar", lambda x: x ** 2, [ZERO_BASE], np.square,
         lambda x: x ** 2),
    spec("pow_zero_base_cube", "PowScalar", lambda x: x ** 3, [ZERO_BASE], lambda x: x ** 3,
         lambda x: x ** 3),
    spec("pow_zero_base_first", "PowScalar", lambda x: x ** 1, [ZERO_BASE], lambda x: x,
         lambda x: x ** 1),
    spec("pow_zero_base_zeroth", "PowScalar", lambda x: x ** 0, [ZERO_BASE], np.ones_like,
         lambda x: x ** 0),
    spec("pow_int_tensor", "PowScalar", lambda x: x ** 2, [ints(*S, low=-4, high=4)],
         np.square, lambda x: x ** 2, grad=False),
    # Exponent tensors with exact zeros: the slope of a^0 is 0 (PyTorch's), also at a = 0.
    spec("pow_tensor_exponent_zeros", "Pow", lambda a, b: a ** b,
         [ZERO_BASE_POS, const([[0.0, 1.0, 0.0, 2.0], [3.0, 0.0, 2.0, 0.0], [1.0, 0.0, 3.0, 1.0]])],
         np.power, torch.pow, wrt=(0,)),
    # Only the exponent is perturbed: a negative base step would leave the real line.
    spec("pow_zero_base_tensor_exponent", "Pow", lambda a, b: a ** b,
         [ZERO_BASE_POS, positive(*S, low=1.0, high=3.0)], np.power, torch.pow, wrt=(1,)),

    # --- maximum / minimum: distinct values, broadcasting, and exact ties ------------------
    spec("maximum", "Maximum", wl.maximum, [distinct(*S), distinct(*S, low=-1.9)],
         np.maximum, torch.maximum),
    spec("maximum_method_col_row", ("Maximum", "BroadcastTo"), lambda a, b: a.maximum(b),
         [distinct(3, 1), distinct(1, 4, low=-1.9)], np.maximum, torch.maximum),
    spec("minimum", "Minimum", wl.minimum, [distinct(*S), distinct(*S, low=-1.9)],
         np.minimum, torch.minimum),
    spec("minimum_vector_3d", ("Minimum", "BroadcastTo"), wl.minimum,
         [distinct(4), distinct(2, 3, 4, low=-1.9)], np.minimum, torch.minimum),
    spec("maximum_ties", "Maximum", wl.maximum, [TIE_A, TIE_B], np.maximum, torch.maximum,
         finite_differences=False),
    spec("minimum_ties", "Minimum", wl.minimum, [TIE_A, TIE_B], np.minimum, torch.minimum,
         finite_differences=False),
    spec("maximum_ties_scalar_tensor", ("Maximum", "BroadcastTo"), wl.maximum,
         [TIE_A, TIE_SCALAR], np.maximum, torch.maximum, finite_differences=False),
    spec("minimum_ties_self", "Minimum", lambda x: wl.minimum(x, x), [real(*S)],
         lambda x: x, lambda x: torch.minimum(x, x), finite_differences=False),
    spec("maximum_ints", "Maximum", wl.maximum, [ints(*S, low=-3, high=3), ints(*S, high=3)],
         np.maximum, torch.maximum, grad=False),

    # --- where: bool masks, broadcasting, Python numbers ------------------------------------
    spec("where", "Where", wl.where, [bools(*S), real(*S), real(*S)], np.where, torch.where),
    spec("where_broadcast", ("Where", "BroadcastTo"), wl.where,
         [bools(3, 1), real(1, 4), real()], np.where, torch.where),
    spec("where_mask_3d", ("Where", "BroadcastTo"), wl.where,
         [bools(2, 3, 4), real(4), real(3, 1)], np.where, torch.where),
    spec("where_python_scalar", "Where", lambda c, x: wl.where(c, x, 0.5), [bools(*S), real(*S)],
         lambda c, x: np.where(c, x, 0.5), lambda c, x: torch.where(c, x, 0.5)),
    spec("where_from_comparison", ("Where", "Greater"), lambda x: wl.where(x > 0, x, -x * 0.1),
         [away_from(0, *S)], lambda x: np.where(x > 0, x, -x * 0.1),
         lambda x: torch.where(x > 0, x, -x * 0.1)),

    # --- floor division, rounding modes, remainder -----------------------------------------
    spec("floor_divide_floats", "FloorDivide", lambda a, b: a // b,
         [real(*S, low=-5, high=5), away_from(0, *S, gap=0.3)], np.floor_divide,
         torch.floor_divide, grad=False),
    spec("floor_divide_ints", "FloorDivide", lambda a, b: a // b,
         [ints(*S, low=-9, high=9), ints(*S, low=1, high=4)], np.floor_divide,
         torch.floor_divide, grad=False),
    spec("floor_divide_negative_ints_broadcast", ("FloorDivide", "BroadcastTo"),
         lambda a, b: a // b, [ints(*S, low=-9, high=9), ints(4, low=-4, high=-1)],
         np.floor_divide, torch.floor_divide, grad=False),
    spec("floor_divide_python_scalar", "FloorDivide", lambda x: 7 // x,
         [ints(*S, low=1, high=5)], lambda x: 7 // x, lambda x: 7 // x, grad=False),
    spec("div_rounding_floor", "FloorDivide", lambda a, b: wl.div(a, b, rounding_mode="floor"),
         [ints(*S, low=-9, high=9), ints(*S, low=1, high=4)], np.floor_divide,
         lambda a, b: torch.div(a, b, rounding_mode="floor"), grad=False),
    spec("div_rounding_trunc_ints", "FloorDivide",
         lambda a, b: wl.div(a, b, rounding_mode="trunc"),
         [ints(*S, low=-9, high=9), ints(*S, low=-4, high=-1)],
         lambda a, b: np.trunc(a / b).astype(np.int64),
         lambda a, b: torch.div(a, b, rounding_mode="trunc"), grad=False),
    spec("div_rounding_trunc_floats", ("Div", "Trunc"),
         lambda a, b: wl.div(a, b, rounding_mode="trunc"),
         [away_from(MULTIPLES, *S, low=-4.5, high=4.5), const(-1.5)],
         lambda a, b: np.trunc(a / b), lambda a, b: torch.div(a, b, rounding_mode="trunc")),
    spec("remainder_ints", "FloorDivide", wl.remainder,
         [ints(*S, low=-9, high=9), ints(*S, low=1, high=4)], np.remainder, torch.remainder,
         grad=False),
    spec("remainder_ints_negative_divisor", "FloorDivide", lambda a, b: a % b,
         [ints(*S, low=-9, high=9), ints(*S, low=-4, high=-1)], np.remainder, torch.remainder,
         grad=False),
    spec("remainder_floats", ("FloorDivide", "Sub", "Mul"), lambda a, b: a % b,
         [away_from(MULTIPLES, *S, low=-4.5, high=4.5), const(1.5)], np.remainder,
         torch.remainder),
    spec("remainder_python_scalar", ("FloorDivide", "Sub"), lambda x: wl.remainder(x, 1.5),
         [away_from(MULTIPLES, *S, low=-4.5, high=4.5)], lambda x: np.remainder(x, 1.5),
         lambda x: torch.remainder(x, 1.5)),
    spec("remainder_negative_python_scalar", ("FloorDivide", "Sub"), lambda x: x % -1.5,
         [away_from(MULTIPLES, *S, low=-4.5, high=4.5)], lambda x: np.remainder(x, -1.5),
         lambda x: torch.remainder(x, -1.5)),
    spec("remainder_python_dividend", ("FloorDivide", "Sub", "Mul"), lambda x: 5.0 % x,
         [const([[0.75, 1.2, 1.7, 2.2], [0.9, 1.4, 1.9, 2.3], [0.8, 1.1, 2.6, 3.1]])],
         lambda x: np.remainder(5.0, x), lambda x: torch.remainder(torch.full_like(x, 5.0), x)),
    spec("square", "PowScalar", lambda x: x.square(), [real(3, 4)], np.square, torch.square),
]
