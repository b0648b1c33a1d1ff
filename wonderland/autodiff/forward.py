"""Forward mode for users: dual levels, make_dual / unpack_dual, and jvp(f, primals, tangents)."""
from __future__ import annotations

from typing import NamedTuple

from ..core import dual
from ..core.tensor import Tensor


class dual_level:
    """Open a forward-mode level: tangents made inside belong to it (torch.autograd.forward_ad)."""

    def __enter__(self) -> int:
        self.level = dual.enter_level()
        return self.level

    def __exit__(self, *exc):
        dual.exit_level(self.level)
        return False


def _level(level: int | None) -> int:
    level = dual.current_level() if level is None else level
    if level is None:
        raise RuntimeError("make_dual/unpack_dual need an open dual_level() context")
    return level


def make_dual(primal: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A tensor equal to `primal` that carries `tangent` at the (current) level."""
    if not primal.is_floating_point:
        raise TypeError(f"make_dual: primal must be floating point, got {primal.dtype.name}")
    if tangent.dtype is not primal.dtype:
        raise TypeError(f"make_dual: tangent dtype {tangent.dtype.name} differs from primal "
                        f"dtype {primal.dtype.name}")
    return dual.with_tangent(primal, _level(level), tangent)


class UnpackedDual(NamedTuple):
    primal: Tensor
    tangent: Tensor | None


def unpack_dual(x: Tensor, *, level: int | None = None) -> UnpackedDual:
    """(primal, tangent) of x at the level; the tangent is None where x carries none."""
    level = _level(level)
    return UnpackedDual(dual.strip(x, level), dual.tangent_of(x, level))


def jvp(f, primals, tangents) -> tuple:
    """(f(*primals), J_f(primals) @ tangents) by one forward pass with dual numbers.

    primals and tangents are tuples of tensors; f returns a tensor or a tuple of tensors."""
    from ..ops.creation import zeros_like

    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    with dual_level() as level:
        duals = []
        for p, t in zip(primals, tangents):
            if p.shape != t.shape:
                raise ValueError(f"jvp: tangent shape {t.shape} differs from primal {p.shape}")
            duals.append(make_dual(p, t, level=level))
        out = f(*duals)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        ps, ts = [], []
        for o in outs:
            p, t = unpack_dual(o, level=level)
            ps.append(p)
            ts.append(zeros_like(p) if t is None else t)
    if isinstance(out, (tuple, list)):
        return tuple(ps), tuple(ts)
    return ps[0], ts[0]
