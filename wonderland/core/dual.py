"""Forward-mode tangents tagged by level, so nested transforms never confuse perturbations.

A tensor's `_tangents` maps a level to its tangent. At level L an op sees its inputs with level L
stripped (their other levels intact), so the tangent it computes for L carries derivatives for
the other levels but never an L-perturbation of itself: the classic d/dx [x * d/dy (x + y)] = 1."""
from __future__ import annotations

from dataclasses import dataclass

from . import levels
from .grad_mode import is_grad_enabled
from .primitive import Primitive, bind
from .tensor import Node, Tensor


def enter_level() -> int:
    return levels.enter("dual")


def exit_level(level: int) -> None:
    levels.exit(level)


def current_level() -> int | None:
    return levels.innermost("dual")


@dataclass(frozen=True)
class Alias(Primitive):
    """y = x, sharing memory (copy=False) or not (copy=True);  dy = dx."""

    copy: bool = False

    def forward(self, xp, x):
        return x.copy() if self.copy else x

    def vjp(self, g, y, x):
        return (g,)

    def jvp(self, t, y, x):
        return t[0]

    def batch(self, xs, bdims):
        return self(xs[0]), bdims[0]


def alias(x: Tensor, tangents: dict | None) -> Tensor:
    """A new tensor sharing x's memory and tape position, with the given tangents."""
    out = x._shallow()
    if x._requires_grad and is_grad_enabled():
        out._requires_grad = True
        out._node = Node(Alias(), (x,))
    out._tangents = tangents or None
    return out


def strip(x: Tensor, level: int) -> Tensor:
    """x without its tangent at `level` (other levels kept)."""
    if not x._tangents or level not in x._tangents:
        return x
    return alias(x, {k: v for k, v in x._tangents.items() if k != level})


def with_tangent(x: Tensor, level: int, tangent: Tensor | None) -> Tensor:
    """x (aliased) carrying `tangent` at `level`."""
    tangents = dict(x._tangents or {})
    if tangent is None:
        tangents.pop(level, None)
    else:
        if tangent.shape != x.shape:
            raise ValueError(f"tangent shape {tangent.shape} does not match primal {x.shape}")
        if tangent.device != x.device:
            raise RuntimeError(f"tangent is on {tangent.device} but its primal is on {x.device}")
        tangents[level] = tangent
    return alias(x, tangents)


def tangent_of(x: Tensor, level: int) -> Tensor | None:
    return x._tangents.get(level) if x._tangents else None


def bind_at_level(prim: Primitive, xs, level: int) -> Tensor:
    primals = [strip(x, level) for x in xs]
    out = bind(prim, *primals)
    if out._node is not None:
        # Reverse mode must see the inputs with their tangents, so that a vjp computed later
        # (forward over reverse) carries this level's perturbation too.
        out._node = Node(prim, tuple(xs))
    if not prim.differentiable or not out.is_floating_point:
        return out
    from ..ops.creation import zeros_like

    tangents = []
    for x, p in zip(xs, primals):
        t = tangent_of(x, level)
        if t is None and p.is_floating_point:
            t = zeros_like(p)
        tangents.append(t)
    t_out = prim.jvp(tuple(tangents), out, *primals)
    if t_out is None:
        return out
    if out._tangents is None:
        out._tangents = {}
    out._tangents[level] = t_out
    return out
