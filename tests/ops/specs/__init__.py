"""The op-spec table, one module per family of primitives."""
from . import binary, compare, conv, fused, index, linalg, reduce, shape, sort, transformer, unary

ALL_SPECS = [s for family in (unary, binary, compare, reduce, shape, index, linalg, sort, conv,
                              transformer, fused)
             for s in family.SPECS]
