"""The collectives on tensors, torch.distributed's names and in-place semantics: the result is
written into the tensors given (their versions bumped). With async_op=True each returns a Work
whose wait() completes it; otherwise it returns when done (recv returns the sender's rank).

Every rank must call the same collectives in the same order with matching shapes and dtypes;
a rank that never arrives makes the others raise DistBackendError after the group's timeout."""
from __future__ import annotations

import numpy as np

from . import buffers as B
from .group import _require, _state, check_rank, run, wait
from .reduce_op import ReduceOp, as_reduce_op, mpi_op


def _avg(buf: np.ndarray, op: ReduceOp) -> None:
    if op is ReduceOp.AVG:
        buf /= _state.size


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Combine tensor across ranks with op; every rank's tensor gets the result."""
    who = "all_reduce"
    comm = _require(who)
    B.writable(tensor, who)
    op = as_reduce_op(op, who)
    buf, _ = B.reduction_buffer(tensor._data)
    from mpi4py import MPI

    request = comm.Iallreduce(MPI.IN_PLACE, buf, mpi_op(op, buf.dtype, who))

    def finish():
        _avg(buf, op)
        B.write(tensor, buf)

    return run(request, finish, who, async_op)


def reduce(tensor, dst: int, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Combine tensor across ranks with op into dst's tensor (the others' stay as they were)."""
    who = "reduce"
    comm = _require(who)
    dst = check_rank(dst, "dst", who)
    B.writable(tensor, who)
    op = as_reduce_op(op, who)
    buf, _ = B.reduction_buffer(tensor._data)
    from mpi4py import MPI

    mine = _state.rank == dst
    request = comm.Ireduce(MPI.IN_PLACE if mine else buf, buf if mine else None,
                           mpi_op(op, buf.dtype, who), root=dst)

    def finish():
        if mine:
            _avg(buf, op)
            B.write(tensor, buf)

    return run(request, finish, who, async_op)


def broadcast(tensor, src: int, group=None, async_op: bool = False):
    """Copy src's tensor into every rank's tensor (same shape and dtype on every rank)."""
    who = "broadcast"
    comm = _require(who)
    src = check_rank(src, "src", who)
    a = B.writable(tensor, who)
    mine = _state.rank == src
    buf = a if B.direct(a, a.dtype) else (B.moved(a) if mine else B.empty_like_moved(a.shape,
                                                                                      a.dtype))
    request = comm.Ibcast(buf, root=src)

    def finish():
        if not mine:
            B.write(tensor, buf)

    return run(request, finish, who, async_op)


def all_gather(tensor_list: list, tensor, group=None, async_op: bool = False):
    """tensor_list[r] gets rank r's tensor, on every rank."""
    who = "all_gather"
    comm = _require(who)
    a = B.array(tensor, who)
    outs = B.count(tensor_list, _state.size, who, "tensor_list")
    B.same(outs, a, who, "tensor_list")
    recv = B.empty_like_moved((_state.size, *a.shape), a.dtype)
    request = comm.Iallgather(B.moved(a), recv)

    def finish():
        for r, t in enumerate(outs):
            B.write(t, recv[r])

    return run(request, finish, who, async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op: bool = False):
    """output_tensor (world size times input_tensor's elements: ranks concatenated along the
    first dimension, or stacked) gets every rank's input_tensor, in rank order."""
    who = "all_gather_into_tensor"
    comm = _require(who)
    a = B.array(input_tensor, who, "input_tensor")
    out = B.writable(output_tensor, who, "output_tensor")
    if out.dtype != a.dtype or out.size != _state.size * a.size:
        raise ValueError(f"{who}: output_tensor is {out.dtype} of shape {list(out.shape)}; "
                         f"expected {a.dtype} with {_state.size} x {a.size} elements (the "
                         f"input's {list(a.shape)} from each rank)")
    recv = B.empty_like_moved((out.size,), a.dtype)
    request = comm.Iallgather(B.moved(a), recv)
    return run(request, lambda: B.write(output_tensor, recv), who, async_op)


def reduce_scatter(output, input_list: list, op=ReduceOp.SUM, group=None,
                   async_op: bool = False):
    """output on rank r gets input_list[r] combined with op across ranks."""
    who = "reduce_scatter"
    comm = _require(who)
    out = B.writable(output, who, "output")
    ins = B.count(input_list, _state.size, who, "input_list")
    arrays = [B.array(t, who, f"input_list[{i}]") for i, t in enumerate(ins)]
    for i, x in enumerate(arrays):
        if x.shape != out.shape or x.dtype != out.dtype:
            raise ValueError(f"{who}: input_list[{i}] is {x.dtype} of shape {list(x.shape)}; "
                             f"expected the output's {out.dtype} of shape {list(out.shape)}")
    work = B.compute_dtype(out.dtype)
    send = np.stack(arrays).astype(work) if arrays else np.empty(0, work)
    return _reduce_scatter(who, comm, output, send, op, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None,  # noqa: A002
                          async_op: bool = False):
    """output on rank r gets the r-th of world size equal chunks of input (in flat order),
    combined with op across ranks (PyTorch's argument order: output, input, op)."""
    who = "reduce_scatter_tensor"
    comm = _require(who)
    out = B.writable(output, who, "output")
    x = B.array(input, who, "input")
    if x.dtype != out.dtype or x.size != _state.size * out.size:
        raise ValueError(f"{who}: input is {x.dtype} of shape {list(x.shape)}; expected "
                         f"{out.dtype} with {_state.size} x {out.size} elements (world size "
                         f"times the output's {list(out.shape)})")
    send = np.array(x.reshape(-1), dtype=B.compute_dtype(out.dtype), order="C", copy=True)
    return _reduce_scatter(who, comm, output, send, op, async_op)


def _reduce_scatter(who, comm, output, send, op, async_op):
    op = as_reduce_op(op, who)
    recv = np.empty(output._data.shape, dtype=send.dtype)
    request = comm.Ireduce_scatter_block(send, recv, mpi_op(op, send.dtype, who))

    def finish():
        _avg(recv, op)
        B.write(output, recv)

    return run(request, finish, who, async_op)


def gather(tensor, gather_list: list | None = None, dst: int = 0, group=None,
           async_op: bool = False):
    """gather_list[r] on dst gets rank r's tensor; the other ranks pass no gather_list."""
    who = "gather"
    comm = _require(who)
    dst = check_rank(dst, "dst", who)
    a = B.array(tensor, who)
    mine = _state.rank == dst
    if mine:
        outs = B.count(gather_list, _state.size, who, "gather_list (on the dst rank)")
        B.same(outs, a, who, "gather_list")
    elif gather_list:
        raise ValueError(f"{who}: gather_list must be None on ranks other than dst={dst}")
    recv = B.empty_like_moved((_state.size, *a.shape), a.dtype) if mine else None
    request = comm.Igather(B.moved(a), recv, root=dst)

    def finish():
        if mine:
            for r, t in enumerate(outs):
                B.write(t, recv[r])

    return run(request, finish, who, async_op)


def scatter(tensor, scatter_list: list | None = None, src: int = 0, group=None,
            async_op: bool = False):
    """Rank r's tensor gets scatter_list[r] from src; the other ranks pass no scatter_list."""
    who = "scatter"
    comm = _require(who)
    src = check_rank(src, "src", who)
    a = B.writable(tensor, who)
    mine = _state.rank == src
    send = None
    if mine:
        ins = B.count(scatter_list, _state.size, who, "scatter_list (on the src rank)")
        arrays = [B.array(t, who, f"scatter_list[{i}]") for i, t in enumerate(ins)]
        for i, x in enumerate(arrays):
            if x.shape != a.shape or x.dtype != a.dtype:
                raise ValueError(f"{who}: scatter_list[{i}] is {x.dtype} of shape "
                                 f"{list(x.shape)}; expected the tensor's {a.dtype} of shape "
                                 f"{list(a.shape)}")
        send = B.moved(np.stack(arrays)) if arrays else None
    elif scatter_list:
        raise ValueError(f"{who}: scatter_list must be None on ranks other than src={src}")
    recv = B.empty_like_moved(a.shape, a.dtype)
    request = comm.Iscatter(send, recv, root=src)
    return run(request, lambda: B.write(tensor, recv), who, async_op)


def isend(tensor, dst: int, group=None, tag: int = 0):
    """Start sending tensor to rank dst; returns a Work."""
    who = "send"
    comm = _require(who)
    dst = check_rank(dst, "dst", who)
    if dst == _state.rank:
        raise ValueError(f"{who}: a rank cannot send to itself (dst={dst})")
    buf = B.moved(B.array(tensor, who))
    return run(comm.Isend(buf, dest=dst, tag=tag), lambda: buf, who, True)


def send(tensor, dst: int, group=None, tag: int = 0) -> None:
    """Send tensor to rank dst (which calls recv); returns once the buffer may be reused."""
    isend(tensor, dst, group, tag).wait()


def irecv(tensor, src: int | None = None, group=None, tag: int = 0):
    """Start receiving into tensor from src (any rank when None); returns a Work."""
    return _recv(tensor, src, tag, True)


def recv(tensor, src: int | None = None, group=None, tag: int = 0) -> int:
    """Receive into tensor from src (any rank when None); returns the sender's rank."""
    return _recv(tensor, src, tag, False)


def _recv(tensor, src, tag, async_op):
    who = "recv"
    comm = _require(who)
    from mpi4py import MPI

    if src is not None:
        src = check_rank(src, "src", who)
        if src == _state.rank:
            raise ValueError(f"{who}: a rank cannot receive from itself (src={src})")
    a = B.writable(tensor, who)
    buf = B.empty_like_moved(a.shape, a.dtype)
    request = comm.Irecv(buf, source=MPI.ANY_SOURCE if src is None else src, tag=tag)
    if async_op:
        return run(request, lambda: B.write(tensor, buf), who, True)
    status = MPI.Status()
    wait(request, who, status=status)
    B.write(tensor, buf)
    return status.Get_source()


__all__ = ["all_reduce", "reduce", "broadcast", "all_gather", "all_gather_into_tensor",
           "reduce_scatter", "reduce_scatter_tensor", "gather", "scatter", "send", "recv",
           "isend", "irecv"]
