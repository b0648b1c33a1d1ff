"""Function transforms on pytrees of tensors: grad, value_and_grad and vjp by the reverse-mode
tape; jvp and linearize by dual numbers; hvp (forward over reverse), vhp (reverse over reverse)."""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from ..core import dual
from ..core.grad_mode import enable_grad, is_grad_enabled
from ..core.tensor import Tensor
from . import reverse
from .forward import dual_level, make_dual, unpack_dual
from .pytree import tree_flatten, tree_flatten_as, tree_map, tree_unflatten

Argnums = int | tuple[int, ...]


# --- shared checks ------------------------------------------------------------------------------
def normalize_argnums(argnums: Argnums, nargs: int, name: str) -> tuple[int, ...]:
    """argnums as a tuple of non-negative positions, checked against the number of arguments."""
    nums = (argnums,) if isinstance(argnums, int) else argnums
    if (not isinstance(nums, (tuple, list)) or not nums
            or not all(isinstance(i, int) and not isinstance(i, bool) for i in nums)):
        raise TypeError(f"{name}: argnums must be an int or a non-empty tuple of ints, "
                        f"got {argnums!r}")
    for i in nums:
        if not -nargs <= i < nargs:
            raise ValueError(f"{name}: argnums {i} is out of range: the function was called "
                             f"with {nargs} positional argument(s)")
    nums = tuple(i % nargs for i in nums)
    if len(set(nums)) != len(nums):
        raise ValueError(f"{name}: argnums {argnums!r} repeats an argument")
    return nums


def substitute(args: tuple, argnums: tuple[int, ...], values) -> list:
    """args with args[argnums[k]] replaced by values[k]."""
    args = list(args)
    for i, v in zip(argnums, values):
        args[i] = v
    return args


def split_aux(result, has_aux: bool, name: str):
    """(output, aux) of f's result; aux is None without has_aux."""
    if not has_aux:
        return result, None
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TypeError(f"{name}: with has_aux=True, f must return a pair (output, aux); got "
                        f"{type(result).__name__}")
    return result[0], result[1]


def _check_tensor(x, name: str, what: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: {what} must be a tensor, got {type(x).__name__}")
    if not x.is_floating_point:
        raise TypeError(f"{name}: {what} has dtype {x.dtype.name}; only floating point tensors "
                        f"can be differentiated")


# --- reverse mode -------------------------------------------------------------------------------
def _fresh(x: Tensor | None, name: str, i: int) -> Tensor | None:
    """An alias of x that requires grad: on the tape after x (if x is on one) and carrying x's
    tangents, so that outer transforms still see through it."""
    if x is None:
        return None
    _check_tensor(x, name, f"input leaf {i}")
    with enable_grad():
        a = dual.alias(x, dict(x._tangents) if x._tangents else None)
    a._requires_grad = True
    return a


def _outer_grad_reachable(roots, own: set[int]) -> bool:
    """Whether a tensor that requires grad, other than this transform's own inputs `own`, can be
    reached from roots through the tape, tangents or a batched tensor's physical tensor: then an
    outer transform or tape may differentiate the result, whose graph must be kept."""
    stack, seen = [r for r in roots if isinstance(r, Tensor)], set()
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        node = t._node
        if t._requires_grad and id(t) not in own and (node is None or node.inputs is None):
            return True  # an outer leaf, or a freed graph we cannot see past
        if node is not None and node.inputs is not None:
            stack.extend(node.inputs)
        if t._tangents:
            stack.extend(t._tangents.values())
        physical = getattr(t, "_physical", None)
        if physical is not None:
            stack.append(physical)
    return False


def _cut(x):
    """x without its tape (so no graph stays alive), keeping its forward-mode tangents."""
    if not isinstance(x, Tensor) or (not x._requires_grad and not x._tangents):
        return x
    out = x._shallow()
    if x._tangents:
        out._tangents = {k: _cut(v) for k, v in x._tangents.items()}
    return out


def _release(leaves: list, keep: bool, own: set[int]) -> list:
    """Leaves to hand back: cut from the tape unless something outside can differentiate them."""
    if keep or (is_grad_enabled() and _outer_grad_reachable(leaves, own)):
        return leaves
    return [_cut(x) for x in leaves]


class _Traced:
    """f run once on fresh aliases of the differentiated inputs, ready to pull cotangents back."""

    def __init__(self, name: str, f: Callable, args: tuple, argnums: tuple[int, ...],
                 has_aux: bool, kwargs: dict):
        leaves, self.in_spec = tree_flatten(tuple(args[i] for i in argnums))
        self.fresh = [_fresh(x, name, i) for i, x in enumerate(leaves)]
        own = {id(a) for a in self.fresh if a is not None}
        grad_on = is_grad_enabled()
        with enable_grad():
            result = f(*substitute(args, argnums, tree_unflatten(self.in_spec, self.fresh)),
                       **kwargs)
        out, aux = split_aux(result, has_aux, name)
        self.outs, self.out_spec = tree_flatten(out)
        self.keep = grad_on and _outer_grad_reachable(self.outs, own)
        self.out = tree_unflatten(self.out_spec,
                                  self.outs if self.keep else [_cut(o) for o in self.outs])
        if has_aux:
            aux_leaves, aux_spec = tree_flatten(aux)
            aux = tree_unflatten(aux_spec, _release(aux_leaves, self.keep, own))
        self.aux = aux

    def pull(self, cots: list, retain_graph: bool) -> tuple:
        """One cotangent pytree per differentiated argument, for output cotangents `cots`."""
        from ..ops.creation import zeros_like

        create = self.keep or (is_grad_enabled() and _outer_grad_reachable(cots, set()))
        pairs = [(o, g) for o, g in zip(self.outs, cots)
                 if isinstance(o, Tensor) and o._requires_grad and g is not None]
        wanted = [a for a in self.fresh if a is not None]
        got = iter(reverse.grad([o for o, _ in pairs], wanted, [g for _, g in pairs],
                                retain_graph=retain_graph or create, create_graph=create,
                                allow_unused=True) if pairs and wanted else [None] * len(wanted))
        grads = [None if a is None else next(got) for a in self.fresh]
        grads = [g if g is not None or a is None else zeros_like(a)
                 for a, g in zip(self.fresh, grads)]
        return tree_unflatten(self.in_spec, grads)


def value_and_grad(f: Callable, argnums: Argnums = 0, has_aux: bool = False) -> Callable:
    """A function returning (f(*args), the gradient of f at args with respect to args[argnums]).

    f must return a 0-d tensor (or, with has_aux, a pair (0-d tensor, aux); the result is then
    ((value, aux), gradient)). The gradient has the structure of args[argnums] (a tuple of
    those for a tuple argnums)."""

    from ..ops.creation import ones_like

    @functools.wraps(f)
    def value_and_grad_f(*args, **kwargs):
        nums = normalize_argnums(argnums, len(args), "grad")
        traced = _Traced("grad", f, args, nums, has_aux, kwargs)
        out = traced.outs[0] if len(traced.outs) == 1 else None
        if traced.out_spec.kind != "leaf" or not isinstance(out, Tensor) or out.ndim != 0:
            what = f"shape {out.shape}" if isinstance(out, Tensor) else f"{traced.out_spec}"
            raise RuntimeError(f"grad: f must return a 0-d tensor, got {what}; use vjp or "
                               f"jacrev for non-scalar outputs")
        _check_tensor(out, "grad", "the output of f")
        grads = traced.pull([ones_like(out)], retain_graph=False)
        grads = grads[0] if isinstance(argnums, int) else grads
        return ((traced.out, traced.aux) if has_aux else traced.out), grads

    return value_and_grad_f


def grad(f: Callable, argnums: Argnums = 0, has_aux: bool = False) -> Callable:
    """The gradient of a scalar function as a function (returns (gradient, aux) with has_aux)."""
    vg = value_and_grad(f, argnums, has_aux)

    @functools.wraps(f)
    def grad_f(*args, **kwargs):
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return grad_f


def vjp(f: Callable, *primals, has_aux: bool = False) -> tuple:
    """(f(*primals), vjp_fn) or, with has_aux, (output, vjp_fn, aux).

    vjp_fn(cotangents), with cotangents shaped like the output, returns a tuple holding one
    cotangent pytree per primal; it may be called many times."""
    traced = _Traced("vjp", f, primals, tuple(range(len(primals))), has_aux, {})

    def vjp_fn(cotangents) -> tuple:
        try:
            cots = tree_flatten_as(traced.out_spec, cotangents)
        except ValueError as e:
            raise ValueError(f"vjp_fn: cotangents must have the structure of f's output "
                             f"{traced.out_spec}: {e}") from None
        for i, (o, g) in enumerate(zip(traced.outs, cots)):
            if isinstance(o, Tensor) and g is not None:
                if not isinstance(g, Tensor) or g.shape != o.shape:
                    got = f"shape {g.shape}" if isinstance(g, Tensor) else type(g).__name__
                    raise ValueError(f"vjp_fn: cotangent for output leaf {i} has {got}; "
                                     f"expected shape {o.shape}, the output's")
        return tuple(traced.pull(cots, retain_graph=True))

    return (traced.out, vjp_fn, traced.aux) if has_aux else (traced.out, vjp_fn)


# --- forward mode -------------------------------------------------------------------------------
def jvp(f: Callable, primals: Sequence, tangents: Sequence, has_aux: bool = False) -> tuple:
    """(f(*primals), J_f(primals) @ tangents) by one forward pass with dual numbers; with
    has_aux, (output, tangent, aux). primals and tangents are tuples of matching pytrees."""
    from ..ops.creation import zeros_like

    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(f"jvp: primals and tangents must be tuples (one entry per argument of "
                        f"f), got {type(primals).__name__} and {type(tangents).__name__}")
    p_leaves, spec = tree_flatten(tuple(primals))
    try:
        t_leaves = tree_flatten_as(spec, tuple(tangents))
    except ValueError as e:
        raise ValueError(f"jvp: tangents must have the structure of primals {spec}: {e}") from None
    with dual_level() as level:
        duals = []
        for i, (p, t) in enumerate(zip(p_leaves, t_leaves)):
            if p is None:
                duals.append(None)
                continue
            _check_tensor(p, "jvp", f"primal leaf {i}")
            if not isinstance(t, Tensor) or t.shape != p.shape:
                got = f"shape {t.shape}" if isinstance(t, Tensor) else type(t).__name__
                raise ValueError(f"jvp: tangent leaf {i} has {got}; expected shape {p.shape}, "
                                 f"its primal's")
            duals.append(make_dual(p, t, level=level))
        out, aux = split_aux(f(*tree_unflatten(spec, duals)), has_aux, "jvp")
        out_leaves, out_spec = tree_flatten(out)
        ps, ts = [], []
        for i, o in enumerate(out_leaves):
            if o is None:
                ps.append(None)
                ts.append(None)
                continue
            if not isinstance(o, Tensor):
                raise TypeError(f"jvp: output leaf {i} of f is a {type(o).__name__}; expected "
                                f"a tensor")
            p, t = unpack_dual(o, level=level)
            ps.append(p)
            ts.append(t if t is not None else zeros_like(p))
        if has_aux:
            aux = tree_map(lambda a: dual.strip(a, level) if isinstance(a, Tensor) else a, aux)
    primal_out, tangent_out = tree_unflatten(out_spec, ps), tree_unflatten(out_spec, ts)
    return (primal_out, tangent_out, aux) if has_aux else (primal_out, tangent_out)


def linearize(f: Callable, *primals) -> tuple[Any, Callable]:
    """(f(*primals), jvp_fn) where jvp_fn(*tangents) = J_f(primals) @ tangents. Each jvp_fn call
    runs one forward pass with dual numbers (there is no tracing to partially evaluate f)."""
    out = f(*primals)

    def jvp_fn(*tangents):
        return jvp(f, primals, tangents)[1]

    return out, jvp_fn


# --- second order -------------------------------------------------------------------------------
def _value_and_grads(f: Callable, n: int) -> Callable:
    return value_and_grad(f, argnums=tuple(range(n)))


def hvp(f: Callable, primals: Sequence, tangents: Sequence) -> tuple:
    """(f(*primals), H @ tangents) by forward over reverse (jvp of grad); H is f's Hessian and
    the product is a tuple with one pytree per primal."""
    primals = tuple(primals)
    (value, _), (_, hv) = jvp(_value_and_grads(f, len(primals)), primals, tuple(tangents))
    return value, hv


def vhp(f: Callable, primals: Sequence, v: Sequence) -> tuple:
    """(f(*primals), v @ H) by reverse over reverse (vjp of grad), one pytree per primal."""
    primals = tuple(primals)
    vg = _value_and_grads(f, len(primals))
    _, vjp_fn, value = vjp(lambda *p: vg(*p)[::-1], *primals, has_aux=True)
    return value, vjp_fn(tuple(v))


__all__ = ["grad", "value_and_grad", "vjp", "jvp", "linearize", "hvp", "vhp"]
