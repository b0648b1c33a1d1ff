"""GRU and LSTM cells as fused primitives, with their gradients (torch's formulations).

As composites a GRU step ran about 15 primitives forward and 30 backward, each a Python dispatch
and a NumPy pass over a small (N, 3H) array; here a step's gates are one forward and one
gradient primitive. GruCellGrad and LstmCellGrad return their cotangents packed along the last
axis (a primitive has one output); the cells' vjps cut them apart with ops. The second
derivatives (the gradients' own vjp and jvp) are written with ops, so every order works.

A cell's forward keeps its gate activations (exp and tanh are most of its cost) for as long as
its output array lives, keyed by that array; the cell's vjp hands them to the gradient
primitive, which otherwise recomputes them from its inputs. They are functions of the inputs
alone, which backward's version check guards, so a write into the output does not stale them."""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np

from ..core import primitive
from ..core.primitive import Primitive
from ..core.tensor import Tensor
from ._convert import float_only, promote_args
from .batching import batch_leading
from .index import Getitem
from .join import cat
from .precision import float32_inside


def _part(x: Tensor, k: int, n: int) -> Tensor:
    """The k-th block of n along the last axis (a view)."""
    return Getitem((Ellipsis, slice(k * n, (k + 1) * n)))(x)


def _parts(x: Tensor, count: int) -> list[Tensor]:
    n = x.shape[-1] // count
    return [_part(x, k, n) for k in range(count)]


_SAVED: dict[int, tuple] = {}  # id(output array) -> (weak reference to it, gate arrays)


def _save(out, *gates) -> None:
    """Keep `gates` while `out` lives (the weak reference's callback drops them)."""
    key = id(out)
    try:
        ref = weakref.ref(out, lambda _, key=key: _SAVED.pop(key, None))
    except TypeError:  # an array type without weak references: the gradient recomputes
        return
    _SAVED[key] = (ref, gates)


def _saved(y: Tensor):
    """The gates kept by the forward that made y's array, or None (y is a copy, say). None too
    while wl.compile traces: its replays run the recorded gradient primitive on new inputs."""
    if primitive._tracer is not None:
        return None
    data = getattr(y, "_data", None)  # (a BatchedTensor of vmap has none)
    entry = _SAVED.get(id(data))
    return entry[1] if entry is not None and entry[0]() is data else None


def _sigmoid_(xp, a):
    """a = 1 / (1 + exp(-a)) in place (exp overflows to inf for a < -88 in float32: 1/inf = 0)."""
    # not xp.negative(a, out=a): NumPy 2.4's float32 negative in place on a strided view reads
    # the wrong elements
    xp.multiply(a, -1, out=a)
    with np.errstate(over="ignore"):
        xp.exp(a, out=a)
    a += 1
    xp.reciprocal(a, out=a)
    return a


# --- GRU ---------------------------------------------------------------------------------------
def _gru_gates(xp, gi, gh):
    """r, z and n (each a new contiguous (..., H) array) from the projections gi and gh. (Each
    pass reads the strided gate blocks once; the rest runs on contiguous arrays, 2-3x faster.)"""
    n_h = gi.shape[-1] // 3
    r = _sigmoid_(xp, xp.add(gi[..., :n_h], gh[..., :n_h]))
    z = _sigmoid_(xp, xp.add(gi[..., n_h:2 * n_h], gh[..., n_h:2 * n_h]))
    n = xp.multiply(gh[..., 2 * n_h:], r)
    n += gi[..., 2 * n_h:]
    xp.tanh(n, out=n)
    return r, z, n


def _gru_gate_tensors(gi: Tensor, gh: Tensor):
    """r, z, n and h_n as tensors (ops), for the rules of higher order."""
    i_r, i_z, i_n = _parts(gi, 3)
    h_r, h_z, h_n = _parts(gh, 3)
    r, z = (i_r + h_r).sigmoid(), (i_z + h_z).sigmoid()
    return r, z, (i_n + r * h_n).tanh(), h_n


@dataclass(frozen=True)
class GruCell(Primitive):
    """h' = (1 - z) n + z h with r = sigmoid(i_r + h_r), z = sigmoid(i_z + h_z),
    n = tanh(i_n + r h_n), where gi = [i_r, i_z, i_n] = W_ih x + b_ih and
    gh = [h_r, h_z, h_n] = W_hh h + b_hh (torch's GRU);  inputs gi, gh (..., 3H), h (..., H)"""

    batch = batch_leading  # elementwise over the leading dims; the last axis holds the gates

    @float32_inside
    def forward(self, xp, gi, gh, h):
        r, z, n = _gru_gates(xp, gi, gh)
        out = xp.subtract(h, n)
        out *= z
        out += n
        _save(out, r, z, n)
        return out

    def vjp(self, g, y, gi, gh, h):
        d = GruCellGrad(_saved(y))(g, gi, gh, h)
        n_h = h.shape[-1]
        return (_part(d, 0, 3 * n_h) if gi.requires_grad else None,
                _part(d, 1, 3 * n_h) if gh.requires_grad else None,
                _part(d, 6, n_h) if h.requires_grad else None)

    def jvp(self, t, y, gi, gh, h):
        return _gru_tangent(t, gi, gh, h)


def _gru_tangent(t, gi: Tensor, gh: Tensor, h: Tensor) -> Tensor:
    """The GRU cell's output tangent for input tangents t = (t_gi, t_gh, t_h), with ops."""
    r, z, n, h_n = _gru_gate_tensors(gi, gh)
    ti_r, ti_z, ti_n = _parts(t[0], 3)
    th_r, th_z, th_n = _parts(t[1], 3)
    dr = (ti_r + th_r) * (r * (1 - r))
    dz = (ti_z + th_z) * (z * (1 - z))
    dn = (ti_n + dr * h_n + r * th_n) * (1 - n * n)
    return (1 - z) * dn + z * t[2] + (h - n) * dz


@dataclass(frozen=True)
class GruCellGrad(Primitive):
    """y = [a_r, a_z, a_n, a_r, a_z, a_n r, g z] (..., 7H), GruCell's cotangents packed: d gi =
    [a_r, a_z, a_n], d gh = [a_r, a_z, a_n r], d h = g z, with a_z = g (h - n) z (1 - z),
    a_n = g (1 - z) (1 - n^2), a_r = a_n h_n r (1 - r);  inputs g (..., H), gi, gh, h"""

    def batch(self, xs, bdims):  # (the gates kept are an unbatched example's)
        return batch_leading(GruCellGrad(), xs, bdims)

    # GruCell's gates (r, z, n) for these inputs, or None to recompute them (not a parameter)
    saved: tuple | None = field(default=None, compare=False, repr=False)

    @float32_inside
    def forward(self, xp, g, gi, gh, h):
        n_h = h.shape[-1]
        r, z, n = _gru_gates(xp, gi, gh) if self.saved is None else self.saved
        out = xp.empty(h.shape[:-1] + (7 * n_h,), dtype=n.dtype)
        # contiguous temporaries; each block of `out` (strided) is written once, by the last op
        one_minus_z = xp.subtract(1, z)
        a_n = xp.multiply(n, n)
        xp.subtract(1, a_n, out=a_n)
        a_n *= g
        a_n *= one_minus_z  # a_n = g (1 - z) (1 - n^2)
        a_z = xp.subtract(h, n)
        a_z *= g
        a_z *= z
        xp.multiply(a_z, one_minus_z, out=out[..., n_h:2 * n_h])
        a_r = xp.subtract(1, r)
        a_r *= r
        a_r *= a_n
        xp.multiply(a_r, gh[..., 2 * n_h:], out=out[..., :n_h])
        out[..., 2 * n_h:3 * n_h] = a_n
        out[..., 3 * n_h:5 * n_h] = out[..., :2 * n_h]  # d gh's copy of [a_r, a_z]
        xp.multiply(a_n, r, out=out[..., 5 * n_h:6 * n_h])
        xp.multiply(g, z, out=out[..., 6 * n_h:])
        return out

    def vjp(self, k, y, g, gi, gh, h):
        # reverse mode through the formula of the docstring, by hand, with ops
        r, z, n, h_n = _gru_gate_tensors(gi, gh)
        k_r, k_z, k_n, k_r2, k_z2, k_b, k_c = _parts(k, 7)
        k_r, k_z = k_r + k_r2, k_z + k_z2
        s_r, s_z, s_n = r * (1 - r), z * (1 - z), 1 - n * n
        a_n = g * (1 - z) * s_n
        hmn = h - n
        big_k = k_n + k_r * h_n * s_r + k_b * r  # the cotangent reaching a_n
        dg = k_c * z + k_z * hmn * s_z + big_k * (1 - z) * s_n
        dn = -(k_z * g * s_z) - 2 * n * (big_k * g * (1 - z))
        da_n = s_n * dn
        dr = k_b * a_n + (1 - 2 * r) * (k_r * a_n * h_n) + da_n * h_n
        dz = k_c * g - big_k * g * s_n + (1 - 2 * z) * (k_z * g * hmn)
        da_r, da_z = s_r * dr, s_z * dz
        dh_n = k_r * a_n * s_r + da_n * r
        return (dg, cat([da_r, da_z, da_n], -1), cat([da_r, da_z, dh_n], -1),
                k_z * g * s_z)

    def jvp(self, t, y, g, gi, gh, h):
        r, z, n, h_n = _gru_gate_tensors(gi, gh)
        tg, th = t[0], t[3]
        ti_r, ti_z, ti_n = _parts(t[1], 3)
        th_r, th_z, th_n = _parts(t[2], 3)
        s_r, s_z, s_n = r * (1 - r), z * (1 - z), 1 - n * n
        dr, dz = s_r * (ti_r + th_r), s_z * (ti_z + th_z)
        dn = s_n * (ti_n + dr * h_n + r * th_n)
        a_n = g * (1 - z) * s_n
        hmn = h - n
        d_an = (tg * (1 - z) - g * dz) * s_n - 2 * g * (1 - z) * n * dn
        d_az = (tg * hmn + g * (th - dn)) * s_z + g * hmn * (1 - 2 * z) * dz
        d_ar = d_an * h_n * s_r + a_n * th_n * s_r + a_n * h_n * (1 - 2 * r) * dr
        return cat([d_ar, d_az, d_an, d_ar, d_az, d_an * r + a_n * dr, tg * z + g * dz], -1)


# --- LSTM --------------------------------------------------------------------------------------
def _lstm_gates(xp, gates):
    """sigmoid(i), sigmoid(f), tanh(g), sigmoid(o), each a new contiguous (..., H) array."""
    n_h = gates.shape[-1] // 4
    blocks = [gates[..., k * n_h:(k + 1) * n_h] for k in range(4)]
    i, f, o = (_sigmoid_(xp, xp.multiply(blocks[k], 1)) for k in (0, 1, 3))  # (fresh copies)
    return i, f, xp.tanh(blocks[2]), o


def _lstm_gate_tensors(gates: Tensor, c: Tensor):
    """i, f, g, o, c' and tanh(c') as tensors (ops), for the rules of higher order."""
    a_i, a_f, a_g, a_o = _parts(gates, 4)
    i, f, g, o = a_i.sigmoid(), a_f.sigmoid(), a_g.tanh(), a_o.sigmoid()
    c2 = f * c + i * g
    return i, f, g, o, c2, c2.tanh()


@dataclass(frozen=True)
class LstmCell(Primitive):
    """y = [h', c'] (..., 2H): c' = sigmoid(f) c + sigmoid(i) tanh(g), h' = sigmoid(o) tanh(c'),
    with gates = [i, f, g, o] = W_ih x + b_ih + W_hh h + b_hh (torch's LSTM);
    inputs gates (..., 4H), c (..., H)"""

    batch = batch_leading

    @float32_inside
    def forward(self, xp, gates, c):
        n_h = c.shape[-1]
        i, f, g, o = _lstm_gates(xp, gates)
        c2 = xp.multiply(f, c)
        i_g = xp.multiply(i, g)
        c2 += i_g
        tc = xp.tanh(c2)
        out = xp.empty(c.shape[:-1] + (2 * n_h,), dtype=i.dtype)
        xp.multiply(o, tc, out=out[..., :n_h])
        out[..., n_h:] = c2
        _save(out, i, f, g, o, tc)
        return out

    def vjp(self, g, y, gates, c):
        d = LstmCellGrad(_saved(y))(g, gates, c)
        n_h = c.shape[-1]
        return (_part(d, 0, 4 * n_h) if gates.requires_grad else None,
                _part(d, 4, n_h) if c.requires_grad else None)

    def jvp(self, t, y, gates, c):
        i, f, g, o, _, tc = _lstm_gate_tensors(gates, c)
        t_i, t_f, t_g, t_o = _parts(t[0], 4)
        dc2 = (t_f * (f * (1 - f)) * c + f * t[1] + t_i * (i * (1 - i)) * g
               + i * (t_g * (1 - g * g)))
        dh2 = t_o * (o * (1 - o)) * tc + o * (1 - tc * tc) * dc2
        return cat([dh2, dc2], -1)


@dataclass(frozen=True)
class LstmCellGrad(Primitive):
    """y = [d_i, d_f, d_g, d_o, d_c] (..., 5H), LstmCell's cotangents packed (d gates, then d c),
    for its output's cotangent [g_h, g_c] (..., 2H): with D = g_c + g_h o (1 - tanh(c')^2),
    d_i = D tanh(g) i (1 - i), d_f = D c f (1 - f), d_g = D i (1 - tanh(g)^2),
    d_o = g_h tanh(c') o (1 - o), d_c = D f (i, f, o the gates' sigmoids);  inputs gy, gates, c"""

    def batch(self, xs, bdims):  # (the gates kept are an unbatched example's)
        return batch_leading(LstmCellGrad(), xs, bdims)

    # LstmCell's activations (i, f, g, o, tanh(c')) for these inputs, or None to recompute them
    saved: tuple | None = field(default=None, compare=False, repr=False)

    @float32_inside
    def forward(self, xp, gy, gates, c):
        n_h = c.shape[-1]
        if self.saved is None:
            i, f, g, o = _lstm_gates(xp, gates)
            tc = xp.multiply(f, c)
            tc += xp.multiply(i, g)
            xp.tanh(tc, out=tc)
        else:
            i, f, g, o, tc = self.saved
        g_h, g_c = gy[..., :n_h], gy[..., n_h:]
        out = xp.empty(c.shape[:-1] + (5 * n_h,), dtype=i.dtype)
        # contiguous temporaries; each block of `out` (strided) is written once, by the last op
        big_d = xp.multiply(tc, tc)  # D = g_c + g_h o (1 - tc^2)
        xp.subtract(1, big_d, out=big_d)
        big_d *= o
        big_d *= g_h
        big_d += g_c
        t = xp.subtract(1, i)  # d_i = D g i (1 - i)
        t *= i
        t *= g
        xp.multiply(t, big_d, out=out[..., :n_h])
        xp.subtract(1, f, out=t)  # d_f = D c f (1 - f)
        t *= f
        t *= c
        xp.multiply(t, big_d, out=out[..., n_h:2 * n_h])
        xp.multiply(g, g, out=t)  # d_g = D i (1 - g^2)
        xp.subtract(1, t, out=t)
        t *= i
        xp.multiply(t, big_d, out=out[..., 2 * n_h:3 * n_h])
        xp.subtract(1, o, out=t)  # d_o = g_h tc o (1 - o)
        t *= o
        t *= tc
        xp.multiply(t, g_h, out=out[..., 3 * n_h:4 * n_h])
        xp.multiply(big_d, f, out=out[..., 4 * n_h:])  # d_c = D f
        return out

    def vjp(self, k, y, gy, gates, c):
        # reverse mode through the formula of the docstring, by hand, with ops
        i, f, g, o, _, tc = _lstm_gate_tensors(gates, c)
        n_h = c.shape[-1]
        g_h, g_c = _part(gy, 0, n_h), _part(gy, 1, n_h)
        k_i, k_f, k_g, k_o, k_c = _parts(k, 5)
        s_i, s_f, s_o, s_g, s_t = i * (1 - i), f * (1 - f), o * (1 - o), 1 - g * g, 1 - tc * tc
        big_d = g_c + g_h * o * s_t
        d_d = k_i * g * s_i + k_f * c * s_f + k_g * i * s_g + k_c * f  # the cotangent of D
        d_gh = k_o * tc * s_o + d_d * o * s_t
        d_o = d_d * g_h * s_t + k_o * g_h * tc * (1 - 2 * o)
        d_tc = k_o * g_h * s_o - 2 * tc * (d_d * g_h * o)
        d_c2 = s_t * d_tc
        d_i = k_g * big_d * s_g + d_c2 * g + (1 - 2 * i) * (k_i * big_d * g)
        d_f = k_c * big_d + d_c2 * c + (1 - 2 * f) * (k_f * big_d * c)
        d_g = k_i * big_d * s_i + d_c2 * i - 2 * g * (k_g * big_d * i)
        d_cin = k_f * big_d * s_f + d_c2 * f
        return (cat([d_gh, d_d], -1), cat([s_i * d_i, s_f * d_f, s_g * d_g, s_o * d_o], -1),
                d_cin)

    def jvp(self, t, y, gy, gates, c):
        i, f, g, o, _, tc = _lstm_gate_tensors(gates, c)
        n_h = c.shape[-1]
        g_h, g_c = _part(gy, 0, n_h), _part(gy, 1, n_h)
        tg_h, tg_c = _part(t[0], 0, n_h), _part(t[0], 1, n_h)
        t_i, t_f, t_g, t_o = _parts(t[1], 4)
        t_c = t[2]
        s_i, s_f, s_o, s_g, s_t = i * (1 - i), f * (1 - f), o * (1 - o), 1 - g * g, 1 - tc * tc
        di, df, dg, do = s_i * t_i, s_f * t_f, s_g * t_g, s_o * t_o
        dtc = s_t * (df * c + f * t_c + di * g + i * dg)
        big_d = g_c + g_h * o * s_t
        d_d = tg_c + (tg_h * o + g_h * do) * s_t - 2 * g_h * o * tc * dtc
        return cat([
            d_d * g * s_i + big_d * (dg * s_i + g * (1 - 2 * i) * di),
            d_d * c * s_f + big_d * (t_c * s_f + c * (1 - 2 * f) * df),
            d_d * i * s_g + big_d * (di * s_g - 2 * i * g * dg),
            (tg_h * tc + g_h * dtc) * s_o + g_h * tc * (1 - 2 * o) * do,
            d_d * f + big_d * df,
        ], -1)


# --- the public functions ----------------------------------------------------------------------
def _check(name: str, gates: Tensor, count: int, *states: Tensor) -> None:
    for x in (gates, *states):
        float_only(name, x)
    n_h = states[0].shape[-1]
    for s in states:
        if s.shape != states[0].shape:
            raise ValueError(f"{name}: the states must have one shape, got {s.shape} and "
                             f"{states[0].shape}")
    if gates.shape != states[0].shape[:-1] + (count * n_h,):
        raise ValueError(f"{name}: expected gates of shape {states[0].shape[:-1] + (count * n_h,)}"
                         f" ({count} x hidden size {n_h}) for a state of shape "
                         f"{states[0].shape}, got {gates.shape}")


def gru_cell_gates(gi: Tensor, gh: Tensor, h: Tensor) -> Tensor:
    """One GRU step from its projections: gi = W_ih x + b_ih and gh = W_hh h + b_hh (..., 3H,
    gate order r, z, n), h (..., H); returns h' (see GruCell)."""
    gi, gh, h = promote_args("gru_cell_gates", gi, gh, h)
    _check("gru_cell_gates", gi, 3, h)
    if gh.shape != gi.shape:
        raise ValueError(f"gru_cell_gates: gi and gh must have one shape, got {gi.shape} and "
                         f"{gh.shape}")
    return GruCell()(gi, gh, h)


def lstm_cell_gates(gates: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
    """One LSTM step from its summed projections gates = W_ih x + b_ih + W_hh h + b_hh
    (..., 4H, gate order i, f, g, o) and the cell state c (..., H); returns (h', c')."""
    gates, c = promote_args("lstm_cell_gates", gates, c)
    _check("lstm_cell_gates", gates, 4, c)
    y = LstmCell()(gates, c)
    n_h = c.shape[-1]
    return _part(y, 0, n_h), _part(y, 1, n_h)
