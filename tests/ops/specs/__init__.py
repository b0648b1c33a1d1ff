"""The op-spec table, one module per family of primitives."""
from . import binary, compare, index, linalg, reduce, shape, sort, unary

ALL_SPECS = [s for family in (unary, binary, compare, reduce, shape, index, linalg, sort)
             for s in family.SPECS]
