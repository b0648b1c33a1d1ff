"""Jacobians and Hessians: jacrev (vmap of vjp over rows of the identity), jacfwd (vmap of jvp
over its columns), jacobian (whichever is cheaper for the sizes) and hessian (fwd over rev).

A Jacobian entry for output leaf o and input leaf x has shape o.shape + x.shape; pytrees nest
as in JAX: the output's structure outside, the input's (a tuple of them for tuple argnums)
inside."""
from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from ..core.tensor import Tensor
from .pytree import tree_flatten, tree_unflatten
from .transforms import Argnums, jvp, normalize_argnums, substitute, vjp

MODES = ("auto", "fwd", "rev")


def _basis(total: int, start: int, like: Tensor) -> Tensor:
    """The rows start .. start+n of the total x total identity that belong to leaf `like` (n of
    its elements), shaped (total, *like.shape): vmap over them pushes one unit vector each."""
    n = like.numel()
    eye = np.eye(total, n, k=-start).reshape((total,) + like.shape)
    return Tensor(eye, dtype=like.dtype, device=like.device)


def _bases(leaves: list, what: str) -> tuple[list, list[int]]:
    for i, x in enumerate(leaves):
        if not isinstance(x, Tensor):
            raise TypeError(f"{what} leaf {i} is a {type(x).__name__}; expected a tensor")
    starts = list(np.cumsum([0] + [x.numel() for x in leaves]))
    return [_basis(starts[-1], s, x) for s, x in zip(starts, leaves)], starts


def _assemble(out_leaves, out_spec, in_leaves, in_spec, entry, single: bool):
    """The out-tree of in-trees whose (o, x) leaf is entry(o index, x index)."""
    rows = []
    for j in range(len(out_leaves)):
        per_input = tree_unflatten(in_spec, [entry(j, i) for i in range(len(in_leaves))])
        rows.append(per_input[0] if single else per_input)
    return tree_unflatten(out_spec, rows)


def _differentiated(f, args, kwargs, argnums, name):
    nums = normalize_argnums(argnums, len(args), name)
    diff = tuple(args[i] for i in nums)
    return nums, diff, (lambda *d: f(*substitute(args, nums, d), **kwargs))


def _reverse_jacobian(out, vjp_fn, diff: tuple, single: bool):
    """Rows of the Jacobian by one vmapped vjp over the identity of the output space."""
    from .vmap import vmap

    out_leaves, out_spec = tree_flatten(out)
    in_leaves, in_spec = tree_flatten(diff)
    basis, starts = _bases(out_leaves, "jacrev: output")
    cols = tree_flatten(vmap(vjp_fn)(tree_unflatten(out_spec, basis)))[0]  # (M, *x.shape) each

    def entry(j, i):
        o, x = out_leaves[j], in_leaves[i]
        return cols[i][starts[j]:starts[j + 1]].reshape(o.shape + x.shape)

    return _assemble(out_leaves, out_spec, in_leaves, in_spec, entry, single)


def _forward_jacobian(g: Callable, diff: tuple, single: bool):
    """Columns of the Jacobian by one vmapped jvp over the identity of the input space."""
    from .vmap import vmap

    in_leaves, in_spec = tree_flatten(diff)
    basis, starts = _bases(in_leaves, "jacfwd: input")
    tangents = vmap(lambda *ts: jvp(g, diff, ts)[1])(*tree_unflatten(in_spec, basis))
    rows, out_spec = tree_flatten(tangents)  # (N, *o.shape) each

    def entry(j, i):
        o_shape, x = rows[j].shape[1:], in_leaves[i]
        block = rows[j][starts[i]:starts[i + 1]].movedim(0, -1)
        return block.reshape(o_shape + x.shape)

    return _assemble(rows, out_spec, in_leaves, in_spec, entry, single)


def jacrev(f: Callable, argnums: Argnums = 0) -> Callable:
    """The Jacobian of f with respect to args[argnums] by reverse accumulation: one forward pass
    and one vmapped vjp (cost grows with the output size)."""

    @functools.wraps(f)
    def jacrev_f(*args, **kwargs):
        _, diff, g = _differentiated(f, args, kwargs, argnums, "jacrev")
        out, vjp_fn = vjp(g, *diff)
        return _reverse_jacobian(out, vjp_fn, diff, isinstance(argnums, int))

    return jacrev_f


def jacfwd(f: Callable, argnums: Argnums = 0) -> Callable:
    """The Jacobian of f with respect to args[argnums] by forward accumulation: one vmapped jvp
    (cost grows with the input size)."""

    @functools.wraps(f)
    def jacfwd_f(*args, **kwargs):
        _, diff, g = _differentiated(f, args, kwargs, argnums, "jacfwd")
        return _forward_jacobian(g, diff, isinstance(argnums, int))

    return jacfwd_f


def _numel(tree) -> int:
    return sum(x.numel() for x in tree_flatten(tree)[0] if isinstance(x, Tensor))


def jacobian(f: Callable, argnums: Argnums = 0, mode: str = "auto") -> Callable:
    """The Jacobian by forward ('fwd') or reverse ('rev') accumulation. 'auto' takes forward
    when the inputs have fewer elements than the outputs, else reverse; it learns the output
    size from the forward pass that reverse mode needs anyway (wasted only if it picks fwd)."""
    if mode not in MODES:
        raise ValueError(f"jacobian: mode must be one of {MODES}, got {mode!r}")

    @functools.wraps(f)
    def jacobian_f(*args, **kwargs):
        _, diff, g = _differentiated(f, args, kwargs, argnums, "jacobian")
        single = isinstance(argnums, int)
        if mode == "fwd":
            return _forward_jacobian(g, diff, single)
        out, vjp_fn = vjp(g, *diff)
        if mode == "auto" and _numel(diff) < _numel(out):
            return _forward_jacobian(g, diff, single)
        return _reverse_jacobian(out, vjp_fn, diff, single)

    return jacobian_f


def hessian(f: Callable, argnums: Argnums = 0) -> Callable:
    """The Hessian of a scalar function: jacfwd(jacrev(f)), forward over reverse."""
    return jacfwd(jacrev(f, argnums), argnums)


__all__ = ["jacrev", "jacfwd", "jacobian", "hessian"]
