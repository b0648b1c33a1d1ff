"""ReduceOp: how a collective combines the ranks' values (torch.distributed.ReduceOp's names)."""
from __future__ import annotations

import enum

import numpy as np


class ReduceOp(enum.Enum):
    """SUM, AVG (the sum divided by the world size, floating point only), PRODUCT, MIN, MAX and
    the bitwise BAND, BOR, BXOR (integers and bools)."""

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"


def as_reduce_op(op, who: str) -> ReduceOp:
    """op as a ReduceOp; also takes its name ('sum', 'mean' for AVG ...)."""
    if isinstance(op, ReduceOp):
        return op
    if isinstance(op, str):
        name = {"mean": "avg", "prod": "product"}.get(op.lower(), op.lower())
        for member in ReduceOp:
            if member.value == name:
                return member
    raise ValueError(f"{who}: unknown reduce op {op!r}; expected one of "
                     f"{', '.join('ReduceOp.' + m.name for m in ReduceOp)}")


def mpi_op(op: ReduceOp, dtype: np.dtype, who: str):
    """The MPI operation that carries out op on arrays of dtype (AVG sums; the caller divides)."""
    from mpi4py import MPI

    bitwise = op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR)
    if bitwise and dtype.kind not in "biu":
        raise TypeError(f"{who}: {op} needs integer or bool tensors, got {dtype}")
    if op is ReduceOp.AVG and dtype.kind != "f":
        raise TypeError(f"{who}: ReduceOp.AVG needs floating point tensors, got {dtype} "
                        f"(use ReduceOp.SUM and divide)")
    if dtype.kind == "b" and bitwise:  # MPI's bool type takes only the logical operations
        return {ReduceOp.BAND: MPI.LAND, ReduceOp.BOR: MPI.LOR, ReduceOp.BXOR: MPI.LXOR}[op]
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX, ReduceOp.BAND: MPI.BAND,
            ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR}[op]


__all__ = ["ReduceOp"]
