"""Custom rules under grad(vmap(f)): there the tape lives on vmap's physical tensors, so a custom
function is lowered to the physical level, its function and rules vmapped (as JAX batches
custom rules), and its outputs wrapped back into the batch."""
from __future__ import annotations

from ..core import levels
from ..core.batching import BatchedTensor
from ..core.tensor import Tensor
from .pytree import tree_flatten, tree_unflatten


def tape_level(args) -> int | None:
    """The innermost vmap level, if a batched argument there hides a tensor that requires
    grad in its physical tensor (reverse mode outside vmap records on the physical tensors)
    and none requires grad itself (reverse mode inside vmap records on the batched ones)."""
    level = levels.top_level([a for a in args if isinstance(a, Tensor)])
    if level is None or levels.kind(level) != "batch":
        return None
    batched = [a for a in args if isinstance(a, Tensor) and a._vlevel == level]
    if any(a._requires_grad for a in batched):
        return None
    for a in batched:
        x = a._physical
        while isinstance(x, Tensor):
            if x._requires_grad:
                return level
            x = x._physical if x._vlevel is not None else None
    return None


def physicals(args, level: int) -> tuple[list, list]:
    """(arguments with those batched at level replaced by their physical tensors, batch dim
    first; the matching in_axes: 0 for those, None for the rest)."""
    phys, axes = [], []
    for a in args:
        if isinstance(a, Tensor) and a._vlevel == level:
            phys.append(a._physical.movedim(a._bdim, 0))
            axes.append(0)
        else:
            phys.append(a)
            axes.append(None)
    return phys, axes


def rebatch(out, level: int):
    """Physical outputs (batch dim first) as batched tensors at level."""
    if isinstance(out, Tensor):
        return BatchedTensor(out, 0, level)
    return type(out)(rebatch(o, level) for o in out)


def _zeros_for_none(cots, args):
    from ..ops.creation import zeros_like

    return tuple(zeros_like(a) if c is None and isinstance(a, Tensor) else c
                 for c, a in zip(cots, args))


def lower_vjp(cv, level: int, args: tuple):
    """custom_vjp `cv` applied at the physical level of `level`: fun, fwd and bwd vmapped."""
    from .custom import custom_vjp
    from .vmap import vmap

    phys, axes = physicals(args, level)
    randomness = levels.info(level).randomness
    nondiff, diff = cv._split(tuple(range(len(args))))
    static: dict = {}  # the residuals' structure and their non-tensor leaves

    def fwd_one(*xs):
        out, res = cv._run_fwd(xs)
        leaves, static["spec"] = tree_flatten(res)
        static["leaves"] = leaves
        return out, [r for r in leaves if isinstance(r, Tensor)]

    def bwd_one(*nd_res_g_args):
        *nd, tensors, g = nd_res_g_args[:len(nondiff) + 2]
        it = iter(tensors)
        res = tree_unflatten(static["spec"], [next(it) if isinstance(r, Tensor) else r
                                              for r in static["leaves"]])
        return _zeros_for_none(cv.bwd(*nd, res, g), nd_res_g_args[len(nondiff) + 2:])

    def bwd(*nd_res_g):
        cots = vmap(bwd_one, randomness=randomness,
                    in_axes=(*[axes[i] for i in nondiff], 0, 0, *[axes[i] for i in diff]))(
                        *nd_res_g, *[phys[i] for i in diff])
        return tuple(c.sum(0) if axes[i] is None and isinstance(c, Tensor) else c
                     for c, i in zip(cots, diff))

    lowered = custom_vjp(vmap(cv.fun, in_axes=tuple(axes), randomness=randomness),
                         nondiff_argnums=cv.nondiff_argnums)
    lowered.defvjp(vmap(fwd_one, in_axes=tuple(axes), randomness=randomness), bwd)
    lowered.__name__ = cv.__name__
    return rebatch(lowered(*phys), level)


def lower_jvp(cj, level: int, args: tuple):
    """custom_jvp `cj` applied at the physical level of `level`: fun and its rule vmapped."""
    from .custom import custom_jvp
    from .vmap import vmap

    phys, axes = physicals(args, level)
    randomness = levels.info(level).randomness
    nondiff, diff = cj._split(tuple(range(len(args))))

    def rule(*nd_primals_tangents):
        *nd, primals, tangents = nd_primals_tangents
        p_axes = tuple(axes[i] for i in diff)
        t_axes = tuple(None if t is None else a for t, a in zip(tangents, p_axes))
        return vmap(lambda *a: cj.jvp_rule(*a), randomness=randomness,
                    in_axes=(*[axes[i] for i in nondiff], p_axes, t_axes))(*nd, primals,
                                                                          tangents)

    lowered = custom_jvp(vmap(cj.fun, in_axes=tuple(axes), randomness=randomness),
                         nondiff_argnums=cj.nondiff_argnums).defjvp(rule)
    lowered.__name__ = cj.__name__
    return rebatch(lowered(*phys), level)
