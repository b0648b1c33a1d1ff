"""The op-spec table, one module per family of primitives, each row's float16 twin, and the
float16 rows at float16's own extremes."""
from ..spec import float16_twin
from . import (
               binary,
               compare,
               conv,
               fused,
               index,
               linalg_decompositions,
               matmul,
               more_ops,
               recurrent,
               reduce,
               shape,
               sort,
               sparse,
               special,
               transformer,
               unary,
)
from .float16 import SPECS as FLOAT16_EXTREMES

FLOAT64_SPECS = [s for family in (unary, binary, compare, reduce, shape, index, matmul, sort, conv,
                                  transformer, fused, special, linalg_decompositions,
                                  more_ops, sparse, recurrent)
                 for s in family.SPECS]
FLOAT16_TWINS = [t for t in map(float16_twin, FLOAT64_SPECS) if t is not None]
ALL_SPECS = FLOAT64_SPECS + FLOAT16_TWINS + FLOAT16_EXTREMES
