"""The ODE solvers behind odeint: fixed-grid Euler, midpoint and classical Runge-Kutta 4, and
adaptive Dormand-Prince 5(4) with an error-controlled step. A state is a tuple of tensors; every
update is made of tensor ops, so gradients flow through a solve (and the adjoint reuses these
steps backwards in time)."""
from __future__ import annotations

import math
from collections.abc import Callable

from ..core.tensor import Tensor
from ..ops import tensor

State = tuple[Tensor, ...]
Func = Callable[[Tensor, State], State]


def axpy(y: State, h: float, terms: list[tuple[float, State]]) -> State:
    """y + h * sum_j c_j k_j, element by element over the tuple (zero coefficients skipped)."""
    out = []
    for i, yi in enumerate(y):
        acc = None
        for c, k in terms:
            if c != 0.0:
                acc = k[i] * c if acc is None else acc + k[i] * c
        out.append(yi if acc is None else yi + acc * h)
    return tuple(out)


def _at(t0: Tensor, h: float) -> Tensor:
    return t0 + h


def _time(t: Tensor, value: float) -> Tensor:
    """A 0-d time like t's entries."""
    return tensor(value, dtype=t.dtype, device=t.device)


def euler_step(f: Func, t: Tensor, y: State, h: float) -> State:
    """y + h f(t, y): first order."""
    return axpy(y, h, [(1.0, f(t, y))])


def midpoint_step(f: Func, t: Tensor, y: State, h: float) -> State:
    """y + h f(t + h/2, y + h/2 f(t, y)): the explicit midpoint rule, second order."""
    half = axpy(y, h / 2, [(1.0, f(t, y))])
    return axpy(y, h, [(1.0, f(_at(t, h / 2), half))])


def rk4_step(f: Func, t: Tensor, y: State, h: float) -> State:
    """The classical fourth-order Runge-Kutta step."""
    k1 = f(t, y)
    k2 = f(_at(t, h / 2), axpy(y, h / 2, [(1.0, k1)]))
    k3 = f(_at(t, h / 2), axpy(y, h / 2, [(1.0, k2)]))
    k4 = f(_at(t, h), axpy(y, h, [(1.0, k3)]))
    return axpy(y, h / 6, [(1.0, k1), (2.0, k2), (2.0, k3), (1.0, k4)])


FIXED_STEPS = {"euler": euler_step, "midpoint": midpoint_step, "rk4": rk4_step}


def fixed_grid(step: Callable, f: Func, y0: State, t: Tensor, step_size: float | None) -> list:
    """The states at each time of t, taking one step per interval of t, or, given step_size,
    ceil(|interval| / step_size) equal steps per interval."""
    times = [float(v) for v in t.tolist()]
    ys, y = [y0], y0
    for a, b in zip(times[:-1], times[1:]):
        n = 1 if step_size is None else max(1, math.ceil(abs(b - a) / step_size - 1e-9))
        h = (b - a) / n
        for j in range(n):
            y = step(f, _time(t, a + j * h), y, h)
        ys.append(y)
    return ys


# Dormand & Prince (1980): nodes, stages, the fifth-order weights and the error weights (5th - 4th)
_C = (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_A = ((),
      (1 / 5,),
      (3 / 40, 9 / 40),
      (44 / 45, -56 / 15, 32 / 9),
      (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
      (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
      (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84))
_B = _A[6]
_E = (71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40)


def _dopri5_try(f: Func, t: Tensor, y: State, k1: State, h: float):
    """One Dormand-Prince step from (t, y) with f(t, y) = k1: (y_next, f(t + h, y_next), error)."""
    ks = [k1]
    for i in range(1, 6):
        ks.append(f(_at(t, _C[i] * h), axpy(y, h, list(zip(_A[i], ks)))))
    y1 = axpy(y, h, list(zip(_B, ks)))
    ks.append(f(_at(t, h), y1))  # first same as last: the next step's k1
    err = axpy(tuple(yi * 0 for yi in y), h, list(zip(_E, ks)))
    return y1, ks[6], err


def _rms_ratio(err: State, y0: State, y1: State, rtol: float, atol: float) -> float:
    """The root mean square over all elements of err / (atol + rtol max(|y0|, |y1|))."""
    total, count = 0.0, 0
    for e, a, b in zip(err, y0, y1):
        scale = atol + rtol * a.detach().abs().maximum(b.detach().abs())
        total += float(((e.detach() / scale) ** 2).sum().item())
        count += e.numel()
    return math.sqrt(total / max(count, 1))


def _first_step(f: Func, t0: Tensor, y0: State, k0: State, rtol: float, atol: float,
                span: float) -> float:
    """Hairer, Norsett & Wanner's starting step: 0.01 |y0| / |f(t0, y0)| in the error norm,
    limited by a second-derivative estimate and by the span."""
    zeros = tuple(yi * 0 for yi in y0)
    d0, d1 = _rms_ratio(y0, y0, y0, rtol, atol), _rms_ratio(k0, y0, y0, rtol, atol)
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    h0 = math.copysign(min(h0, abs(span)), span)
    k1 = f(_at(t0, h0), axpy(y0, h0, [(1.0, k0)]))
    d2 = _rms_ratio(axpy(zeros, 1 / h0, [(1.0, k1), (-1.0, k0)]), y0, y0, rtol, atol)
    top = max(d1, d2)
    h1 = max(1e-6, abs(h0) * 1e-3) if top <= 1e-15 else (0.01 / top) ** (1 / 5)
    return math.copysign(min(100 * abs(h0), h1, abs(span)), span)


def dopri5(f: Func, y0: State, t: Tensor, rtol: float, atol: float,
           max_steps: int = 100_000) -> list:
    """The states at each time of t by adaptive Dormand-Prince 5(4) steps (local extrapolation),
    each interval ending exactly on its output time; a step is accepted when the RMS of the error
    over atol + rtol |y| is at most 1, and the next is scaled by 0.9 ratio^(-1/5) within
    [0.2, 10]."""
    times = [float(v) for v in t.tolist()]
    ys, y = [y0], y0
    tt = _time(t, times[0])
    k = f(tt, y)
    h = _first_step(f, tt, y, k, rtol, atol, times[-1] - times[0]) if len(times) > 1 else 0.0
    steps = 0
    for b in times[1:]:
        a = float(tt.item())
        while (b - a) * math.copysign(1.0, h) > 1e-12 * max(1.0, abs(b)):
            if steps >= max_steps:
                raise RuntimeError(f"odeint: dopri5 took more than {max_steps} steps; loosen "
                                   f"rtol/atol or check the dynamics for stiffness")
            steps += 1
            hs = h if abs(h) < abs(b - a) else b - a
            y1, k1, err = _dopri5_try(f, tt, y, k, hs)
            ratio = _rms_ratio(err, y, y1, rtol, atol)
            if not math.isfinite(ratio):
                h = hs * 0.2
                continue
            if ratio <= 1.0:
                a = b if hs == b - a else a + hs
                tt, y, k = _time(t, a), y1, k1
            h = hs * min(10.0, max(0.2, 0.9 * (ratio + 1e-16) ** -0.2))
        ys.append(y)
    return ys
