"""vmap: run a function written for one example over a batch, by batching rules, not a loop.

Each input's batch dimension (in_axes) becomes a BatchedTensor at a new level; every primitive
the function binds runs its batching rule on the physical tensors; the outputs' batch dimensions
are moved to out_axes. Composes with grad, jvp and itself through the shared level stack."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from ..core import levels
from ..core.batching import BatchedTensor
from ..core.tensor import Tensor
from .pytree import tree_flatten, tree_unflatten

RANDOMNESS = ("error", "different", "same")


@dataclass(frozen=True)
class VmapInfo:
    """What code inside a vmap level may ask: the batch size and how random calls behave."""

    size: int
    randomness: str


def _axes_for(axes, tree, what: str, who: str = "vmap") -> list:
    """One axis (int or None) per leaf of `tree`: a single axis for all, or a matching tree
    (`who` names the transform in the error: vmap, pmap)."""
    leaves, spec = tree_flatten(tree)
    if axes is None or isinstance(axes, int):
        return [axes] * len(leaves)
    axis_leaves, axis_spec = tree_flatten(axes)
    if axis_spec != spec:
        raise ValueError(f"{who}: {what} {axes!r} does not match the structure of its argument")
    return axis_leaves


def mapped_sizes(leaves, axes, who: str = "vmap") -> dict[int, int]:
    """{leaf index: its size along its axis} for the leaves in_axes maps, after checking that
    each is a tensor with that axis (`who` names the transform in the error: vmap, pmap)."""
    sizes = {}
    for i, (x, ax) in enumerate(zip(leaves, axes)):
        if ax is None:
            continue
        if not isinstance(x, Tensor):
            raise TypeError(f"{who}: in_axes gives axis {ax} for input leaf {i}, a "
                            f"{type(x).__name__}, which is not a tensor; use None for it")
        if not -x.ndim <= ax < x.ndim:
            raise ValueError(f"{who}: in_axes {ax} is out of range for input leaf {i} of "
                             f"shape {tuple(x.shape)}")
        sizes[i] = x.shape[ax]
    return sizes


def _batch_size(leaves, axes) -> int:
    sizes = mapped_sizes(leaves, axes)
    if not sizes:
        raise ValueError("vmap: in_axes marks no input as batched")
    if len(set(sizes.values())) > 1:
        raise ValueError(f"vmap: batched inputs disagree on the batch size: {sizes} "
                         f"(input leaf index -> size)")
    return next(iter(sizes.values()))


def _unbatch(y, level: int, size: int, axis):
    """An output leaf with its batch dimension at `axis` (broadcast if it has none)."""
    if not isinstance(y, Tensor):
        raise TypeError(f"vmap: the function returned a {type(y).__name__}; expected tensors")
    if isinstance(y, BatchedTensor) and y._vlevel == level:
        p = y._physical
        if axis is None:
            raise ValueError("vmap: out_axes None for an output that varies over the batch")
        return p.movedim(y._bdim, axis % p.ndim)
    if axis is None:
        return y
    axis = axis % (y.ndim + 1)
    y = y.unsqueeze(axis)
    return y.expand(y.shape[:axis] + (size,) + y.shape[axis + 1:])


def vmap(f, in_axes=0, out_axes=0, randomness: str = "error"):
    """f mapped over a batch dimension of its inputs (JAX / torch.func semantics).

    in_axes: an int or None for every input, or one entry per positional argument (each an int,
    None, or a tree matching that argument). out_axes: likewise for the outputs. randomness:
    'error' (random calls inside f raise), 'different' (one draw per example) or 'same'."""
    if randomness not in RANDOMNESS:
        raise ValueError(f"vmap: randomness must be one of {RANDOMNESS}, got {randomness!r}")

    @functools.wraps(f)
    def batched(*args):
        if isinstance(in_axes, (tuple, list)):
            if len(in_axes) != len(args):
                raise ValueError(f"vmap: in_axes has {len(in_axes)} entries for "
                                 f"{len(args)} arguments")
            axes = [a for ax, arg in zip(in_axes, args) for a in _axes_for(ax, arg, "in_axes")]
        else:
            axes = _axes_for(in_axes, args, "in_axes")
        leaves, spec = tree_flatten(args)
        size = _batch_size(leaves, axes)
        level = levels.enter("batch", VmapInfo(size, randomness))
        try:
            wrapped = [x if ax is None else BatchedTensor(x, ax % x.ndim, level)
                       for x, ax in zip(leaves, axes)]
            out = f(*tree_unflatten(spec, wrapped))
            out_leaves, out_spec = tree_flatten(out)
            out_ax = _axes_for(out_axes, out, "out_axes")
            results = [_unbatch(y, level, size, ax) for y, ax in zip(out_leaves, out_ax)]
        finally:
            levels.exit(level)
        return tree_unflatten(out_spec, results)

    return batched
