"""Differentiable collectives (torch.distributed.nn.functional): each returns new tensors and
records one tape entry whose backward is the adjoint collective, itself differentiable:

    all_reduce (SUM, AVG)  <->  all_reduce of the cotangent with the same op
    all_gather             <->  reduce_scatter (SUM) of the cotangents
    broadcast from src     <->  reduce (SUM) to src; the other ranks' inputs get zero
    reduce to dst          <->  broadcast from dst

The gradient a rank gets is that of the sum of every rank's loss: a rank's input reaches the
other ranks' losses through the collective."""
from __future__ import annotations

from ...autodiff.custom import Function
from ...core.tensor import Tensor
from .. import collectives as C
from ..group import _require, _state, check_rank
from ..reduce_op import ReduceOp, as_reduce_op


def _fresh(t: Tensor) -> Tensor:
    """A new tensor with t's values (the collectives write in place; inputs stay as given)."""
    return Tensor._make(t._data.copy(), t.device)


def _zeros_if_none(g, like: Tensor) -> Tensor:
    return Tensor._make(like._data * 0, like.device) if g is None else g


class _AllReduce(Function):
    @staticmethod
    def forward(ctx, op, tensor):
        ctx.op = op
        out = _fresh(tensor)
        C.all_reduce(out, op)
        return out

    @staticmethod
    def backward(ctx, g):
        return None, all_reduce(g, ctx.op)


class _AllGather(Function):
    @staticmethod
    def forward(ctx, tensor):
        outs = [_fresh(tensor) for _ in range(_state.size)]
        C.all_gather(outs, tensor)
        ctx.like = outs[0]  # the shape of a cotangent backward may be given as None
        return tuple(outs)

    @staticmethod
    def backward(ctx, *gs):
        return (reduce_scatter([_zeros_if_none(g, ctx.like) for g in gs], ReduceOp.SUM),)


class _ReduceScatter(Function):
    @staticmethod
    def forward(ctx, op, *tensors):
        ctx.op = op
        out = _fresh(tensors[0])
        C.reduce_scatter(out, list(tensors), op)
        return out

    @staticmethod
    def backward(ctx, g):
        gs = all_gather(g)
        if ctx.op is ReduceOp.AVG:
            gs = tuple(x / _state.size for x in gs)
        return (None, *gs)


class _Broadcast(Function):
    @staticmethod
    def forward(ctx, src, tensor):
        ctx.src = src
        out = _fresh(tensor)
        C.broadcast(out, src)
        return out

    @staticmethod
    def backward(ctx, g):
        return None, reduce(g, ctx.src, ReduceOp.SUM)  # zeros on the ranks other than src


class _Reduce(Function):
    @staticmethod
    def forward(ctx, dst, op, tensor):
        ctx.dst = dst
        out = _fresh(tensor)
        C.reduce(out, dst, op)
        if _state.rank != dst:  # only dst's output depends on the inputs
            out._data[...] = 0
        return out

    @staticmethod
    def backward(ctx, g):
        return None, None, broadcast(g, ctx.dst)


def _check_op(op, who: str) -> ReduceOp:
    op = as_reduce_op(op, who)
    if op not in (ReduceOp.SUM, ReduceOp.AVG):
        raise NotImplementedError(f"{who}: the differentiable form takes ReduceOp.SUM or "
                                  f"ReduceOp.AVG, got {op} (no gradient rule for it)")
    return op


def all_reduce(tensor: Tensor, op=ReduceOp.SUM, group=None) -> Tensor:
    """A new tensor: tensor combined across ranks (SUM or AVG), differentiable."""
    _require("all_reduce")
    return _AllReduce.apply(_check_op(op, "all_reduce"), tensor)


def all_gather(tensor: Tensor, group=None) -> tuple[Tensor, ...]:
    """Every rank's tensor, in rank order, as a tuple of new tensors; differentiable."""
    _require("all_gather")
    return _AllGather.apply(tensor)


def reduce_scatter(tensors: list, op=ReduceOp.SUM, group=None) -> Tensor:
    """A new tensor on rank r: tensors[r] combined across ranks (SUM or AVG); differentiable.
    (torch.distributed.nn.functional.reduce_scatter also takes an output tensor first; here the
    result is returned.)"""
    _require("reduce_scatter")
    op = _check_op(op, "reduce_scatter")
    ins = list(tensors)
    if len(ins) != _state.size:
        raise ValueError(f"reduce_scatter: expected one tensor per rank ({_state.size}), got "
                         f"{len(ins)}")
    return _ReduceScatter.apply(op, *ins)


def broadcast(tensor: Tensor, src: int, group=None) -> Tensor:
    """A new tensor holding src's tensor, on every rank; differentiable."""
    _require("broadcast")
    return _Broadcast.apply(check_rank(src, "src", "broadcast"), tensor)


def reduce(tensor: Tensor, dst: int, op=ReduceOp.SUM, group=None) -> Tensor:
    """A new tensor: on dst, tensor combined across ranks (SUM); zeros elsewhere.
    Differentiable."""
    _require("reduce")
    op = as_reduce_op(op, "reduce")
    if op is not ReduceOp.SUM:
        raise NotImplementedError(f"reduce: the differentiable form takes ReduceOp.SUM, got {op}")
    return _Reduce.apply(check_rank(dst, "dst", "reduce"), op, tensor)


__all__ = ["all_reduce", "all_gather", "reduce_scatter", "broadcast", "reduce"]
