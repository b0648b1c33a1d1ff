"""pmap (JAX's): f mapped over an axis of its inputs with one process per replica over MPI, and
the collectives over that axis inside f (psum, pmean, all_gather, axis_index). Every rank gets
the same full inputs and returns the same full result, the value of vmap(f) in one process.

Each boundary and collective is one linear map with a known adjoint, so grad, jvp and vmap pass
through. Replicated values (outside f) are one variable held on every rank; per-rank values
(inside f) are the examples of vmap(f). Hence, as maps and their adjoints:

    slice   replicated x -> x[rank]          <->  gather  per-rank y -> y of every rank, stacked
    bcast   replicated x -> x on every rank  <->  sum     per-rank y -> sum over the ranks
    collapse  per-rank y, equal on every rank -> y  <->  split  replicated g -> g / world size
    mean    per-rank y -> mean over the ranks    <->  split
    psum <-> psum,  pmean <-> pmean,  all_gather <-> reduce_scatter (sum)

(collapse is the adjoint of split only where its input is the same on every rank, which
out_axes=None requires.) Without a process group the world is one process: the mapped axes
must have size 1 and the same maps run locally."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from ..autodiff.custom import Function
from ..autodiff.custom_batch import tape_level
from ..autodiff.pytree import tree_flatten, tree_map, tree_unflatten
from ..autodiff.vmap import _axes_for, mapped_sizes
from ..core.batching import BatchedTensor
from ..core.tensor import Tensor
from . import collectives as C
from .group import _state
from .reduce_op import ReduceOp


@dataclass(frozen=True)
class _Frame:
    """The axis a running pmap maps: its name, size (the world size) and this rank's index."""

    name: object
    size: int
    index: int


_frames: list[_Frame] = []


def _grouped() -> bool:
    return _state.comm is not None


def _xp(x: Tensor):
    return x.device.backend.xp  # NumPy; CuPy for a device's tensors in a world of one process


def _array(x: Tensor, a) -> Tensor:
    return Tensor._make(_xp(x).ascontiguousarray(a).reshape(a.shape), x.device)  # 0-d stays 0-d


def _copy(x: Tensor, axis) -> Tensor:
    return _array(x, x._data.copy())


def _take(x: Tensor, axis: int) -> Tensor:
    return _array(x, x._data.take(_state.rank, axis=axis))


def _stack(x: Tensor, axis: int) -> Tensor:
    """Every rank's x, stacked at axis (rank order)."""
    if not _grouped():
        return _array(x, _xp(x).expand_dims(x._data, axis).copy())
    out = Tensor._make(_xp(x).empty((_state.size, *x._data.shape), x._data.dtype), x.device)
    C.all_gather_into_tensor(out, x)
    return _array(x, _xp(x).moveaxis(out._data, 0, axis))


def _reduce(op: ReduceOp):
    def kernel(x: Tensor, axis) -> Tensor:
        out = _copy(x, None)
        if _grouped():
            C.all_reduce(out, op)
        return out

    return kernel


def _scatter(x: Tensor, axis: int) -> Tensor:
    """Slot `rank` of x's axis (one slot per rank), summed over the ranks."""
    if not _grouped():
        return _take(x, axis)
    out = Tensor._make(_xp(x).empty(x._data.shape[:axis] + x._data.shape[axis + 1:],
                                    x._data.dtype), x.device)
    C.reduce_scatter_tensor(out, _array(x, _xp(x).moveaxis(x._data, axis, 0)), ReduceOp.SUM)
    return out


def _split(x: Tensor, axis) -> Tensor:
    return _array(x, x._data / _state.size)


# op -> (kernel on a plain tensor, the op of its adjoint). The same collective serves maps
# with different adjoints (sum and psum both all-reduce), so these are not the Functions of
# distributed.nn.functional, whose forwards also take no vmap tensors.
_OPS = {
    "slice": (_take, "gather"), "gather": (_stack, "slice"),
    "bcast": (_copy, "sum"), "sum": (_reduce(ReduceOp.SUM), "bcast"),
    "collapse": (_copy, "split"), "split": (_split, "mean"),
    "mean": (_reduce(ReduceOp.AVG), "split"),
    "psum": (_reduce(ReduceOp.SUM), "psum"), "pmean": (_reduce(ReduceOp.AVG), "pmean"),
    "all_gather": (_stack, "reduce_scatter"), "reduce_scatter": (_scatter, "all_gather"),
}


def _kernel(op: str, axis, x: Tensor) -> Tensor:
    """The op on x's values; a vmap tensor's physical tensor goes through with its batch
    dimension first (the collectives act on each example alike)."""
    if x._vlevel is not None:
        p = x._physical.movedim(x._bdim, 0)
        return BatchedTensor(_kernel(op, None if axis is None else axis + 1, p), 0, x._vlevel)
    return _OPS[op][0](x, axis)


class _Linear(Function):
    """One of the linear maps of _OPS: backward is its adjoint, jvp the map itself."""

    @staticmethod
    def forward(ctx, op, axis, x):
        ctx.op, ctx.axis = op, axis
        return _kernel(op, axis, x)

    @staticmethod
    def backward(ctx, g):
        return None, None, _apply(_OPS[ctx.op][1], ctx.axis, g)

    @staticmethod
    def jvp(ctx, _op, _axis, t):
        return _apply(ctx.op, ctx.axis, t)


# one subclass per op, so that the tape (and its drawings) name the op
_FUNCTIONS = {op: type(f"pmap_{op}", (_Linear,), {}) for op in _OPS}


def _apply(op: str, axis, x: Tensor) -> Tensor:
    """The op as a Function at the level where x's tape lives: under grad(vmap(...)) that is
    vmap's physical tensor (batch dimension first), elsewhere x itself."""
    if tape_level((x,)) is not None:
        p = x._physical.movedim(x._bdim, 0)
        return BatchedTensor(_apply(op, None if axis is None else axis + 1, p), 0, x._vlevel)
    return _FUNCTIONS[op].apply(op, axis, x)


def _frame(axis_name, who: str) -> _Frame:
    for frame in reversed(_frames):
        if frame.name == axis_name:
            return frame
    bound = f"the running pmap's axis_name is {_frames[-1].name!r}" if _frames else \
        "no pmap is running"
    raise NameError(f"{who}: unbound axis name {axis_name!r} ({bound}); collectives over an "
                    f"axis name work inside f of pmap(f, axis_name={axis_name!r})")


def _tensor(x, who: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: expected tensors, got {type(x).__name__}")
    return x


def psum(x, axis_name):
    """The sum over the mapped axis of x (a tensor or a pytree of them), on every replica.
    psum(1, axis_name) is the axis size, as in JAX. Its gradient is psum of the cotangents."""
    frame = _frame(axis_name, "psum")
    return tree_map(lambda t: _apply("psum", None, t) if isinstance(t, Tensor) else t * frame.size,
                    x)


def pmean(x, axis_name):
    """The mean over the mapped axis of x (a tensor or a pytree of them), on every replica."""
    _frame(axis_name, "pmean")
    return tree_map(lambda t: _apply("pmean", None, t) if isinstance(t, Tensor) else t, x)


def all_gather(x, axis_name, *, axis: int = 0, tiled: bool = False):
    """Every replica's x (a tensor or a pytree of them), stacked at a new dimension `axis` in
    replica order, or concatenated along dimension `axis` when tiled. The gradient of a
    replica's x is the sum over the replicas of the cotangents of its slot (reduce-scatter)."""
    frame = _frame(axis_name, "all_gather")

    def gather(t):
        t = _tensor(t, "all_gather")
        ndim = t.ndim if tiled else t.ndim + 1
        if not -ndim <= axis < ndim:
            raise ValueError(f"all_gather: axis {axis} is out of range for a tensor of shape "
                             f"{tuple(t.shape)} (tiled={tiled})")
        a = axis % ndim
        y = _apply("all_gather", a, t)
        if not tiled:
            return y
        shape = tuple(t.shape)  # the replicas' slots, one after the other along dimension a
        return y.reshape(shape[:a] + (frame.size * shape[a],) + shape[a + 1:])

    return tree_map(gather, x)


def axis_index(axis_name) -> Tensor:
    """This replica's index along the mapped axis (its rank), an int64 scalar tensor."""
    from ..ops.creation import tensor

    return tensor(_frame(axis_name, "axis_index").index)


def _in_axes(in_axes, args: tuple) -> list:
    if isinstance(in_axes, (tuple, list)):
        if len(in_axes) != len(args):
            raise ValueError(f"pmap: in_axes has {len(in_axes)} entries for {len(args)} "
                             f"arguments")
        return [a for ax, arg in zip(in_axes, args) for a in _axes_for(ax, arg, "in_axes",
                                                                           "pmap")]
    return _axes_for(in_axes, args, "in_axes", "pmap")


def _check_sizes(leaves: list, axes: list, world: int) -> None:
    sizes = mapped_sizes(leaves, axes, "pmap")
    if not sizes:
        raise ValueError("pmap: in_axes marks no input as mapped (pmap needs at least one)")
    for i, size in sizes.items():
        if size != world:
            x, ax = leaves[i], axes[i]
            where = ("the world size" if _grouped() else "the world size without a process "
                     "group (start N processes with `wonderland launch -n N` and call "
                     "wonderland.distributed.init_process_group)")
            raise ValueError(f"pmap: input leaf {i} of shape {tuple(x.shape)} has size "
                             f"{size} along its mapped axis {ax}; pmap runs one replica "
                             f"per process, so it must be {world}, {where}")


def _output(y, axis):
    if not isinstance(y, Tensor):
        raise TypeError(f"pmap: the function returned a {type(y).__name__}; expected tensors")
    if axis is None:
        return _apply("collapse", None, y)
    if not -y.ndim - 1 <= axis <= y.ndim:
        raise ValueError(f"pmap: out_axes {axis} is out of range for an output of shape "
                         f"{tuple(y.shape)}")
    return _apply("gather", axis % (y.ndim + 1), y)


def pmap(f, axis_name=None, in_axes=0, out_axes=0):
    """f mapped over an axis of its inputs, one replica per process (JAX's pmap over MPI).

    Every rank calls the mapped function with the same full inputs; the mapped axis of each
    (in_axes: as vmap's, None for an input every replica gets whole) must have the world size's
    length. Rank r runs f on slice r, where psum, pmean, all_gather and axis_index over
    axis_name combine the replicas; the outputs are gathered at out_axes (None: an output that
    is the same on every replica, such as a psum), so every rank returns what vmap(f) returns
    in one process, and gradients (grad, jvp, backward) are those of that function. Gradients
    reach f's arguments, not tensors f closes over (those get this replica's share only)."""

    @functools.wraps(f)
    def mapped(*args):
        if _frames:
            raise NotImplementedError(f"pmap: nested pmap is not supported (one process per "
                                      f"replica: the ranks are already mapped by the pmap over "
                                      f"{_frames[-1].name!r})")
        axes = _in_axes(in_axes, args)
        leaves, spec = tree_flatten(args)
        _check_sizes(leaves, axes, _state.size)
        inside = [x if not isinstance(x, Tensor) or (ax is None and not x.is_floating_point)
                  else _apply("bcast", None, x) if ax is None
                  else _apply("slice", ax % x.ndim, x) for x, ax in zip(leaves, axes)]
        _frames.append(_Frame(axis_name, _state.size, _state.rank))
        try:
            out = f(*tree_unflatten(spec, inside))
        finally:
            _frames.pop()
        out_leaves, out_spec = tree_flatten(out)
        out_ax = _axes_for(out_axes, out, "out_axes", "pmap")
        return tree_unflatten(out_spec, [_output(y, ax) for y, ax in zip(out_leaves, out_ax)])

    return mapped


__all__ = ["pmap", "psum", "pmean", "all_gather", "axis_index"]
