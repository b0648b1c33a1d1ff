"""odeint against analytic solutions (exponential decay, the harmonic oscillator as a tuple
state) and scipy's solve_ivp (Lotka-Volterra), the orders of Euler and RK4 from the error ratio
when h halves, dopri5 within its tolerance, backward time, gradients through a solve, errors."""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import wonderland as wl
from wonderland.ode import odeint


def t64(values):
    return wl.tensor(np.asarray(values, dtype=np.float64), dtype=wl.float64)


def decay(t, y):
    return y * -0.7


def test_exponential_decay_every_method():
    t = t64(np.linspace(0.0, 2.0, 5))
    want = 3.0 * np.exp(-0.7 * t.numpy())
    for method, step, tol in (("euler", 1e-4, 1e-3), ("rk4", 0.05, 1e-6), ("dopri5", None, 1e-7)):
        ys = odeint(decay, t64([3.0]), t, method=method, step_size=step)
        assert ys.shape == (5, 1)
        np.testing.assert_allclose(ys.numpy()[:, 0], want, atol=tol, err_msg=method)


def test_harmonic_oscillator_as_a_tuple_and_backward_in_time():
    t = t64([0.0, 1.0, 2.5, 4.0])
    def osc(s, y):  # x'' = -w^2 x, w = 2
        return y[1], -4.0 * y[0]

    x, v = odeint(osc, (t64([1.0, 0.5]), t64([0.0, 1.0])), t, method="dopri5")
    tt = t.numpy()[:, None]
    want_x = np.array([1.0, 0.5]) * np.cos(2 * tt) + np.array([0.0, 1.0]) / 2 * np.sin(2 * tt)
    np.testing.assert_allclose(x.numpy(), want_x, atol=1e-6)
    np.testing.assert_allclose(v.numpy()[:, 0], -2 * np.sin(2 * tt[:, 0]), atol=1e-6)
    back = odeint(osc, (x[-1], v[-1]), t64([4.0, 0.0]), method="rk4", step_size=0.01)
    np.testing.assert_allclose(back[0].numpy()[-1], [1.0, 0.5], atol=1e-7)


def test_lotka_volterra_against_scipy():
    def rhs(t, y):
        return [1.1 * y[0] - 0.4 * y[0] * y[1], 0.1 * y[0] * y[1] - 0.4 * y[1]]

    times = np.linspace(0.0, 15.0, 7)
    ref = solve_ivp(rhs, (0, 15), [10.0, 5.0], t_eval=times, rtol=1e-11, atol=1e-11).y.T
    def f(s, y):
        return wl.stack([1.1 * y[0] - 0.4 * y[0] * y[1], 0.1 * y[0] * y[1] - 0.4 * y[1]])

    ys = odeint(f, t64([10.0, 5.0]), t64(times), method="dopri5", rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(ys.numpy(), ref, rtol=1e-5, atol=1e-5)
    rk = odeint(f, t64([10.0, 5.0]), t64(times), method="rk4", step_size=0.01)
    np.testing.assert_allclose(rk.numpy(), ref, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("method,order,h", [("euler", 1, 0.2), ("midpoint", 2, 0.05),
                                            ("rk4", 4, 0.2)])
def test_error_shrinks_by_two_to_the_order_when_h_halves(method, order, h):
    def f(s, y):  # y = exp(sin t)
        return y * s.cos()

    errors = []
    for step in (h, h / 2, h / 4):  # h small enough that the error is in its asymptotic regime
        ys = odeint(f, t64([1.0]), t64([0.0, 2.0]), method=method, step_size=step)
        errors.append(abs(ys.numpy()[-1, 0] - math.exp(math.sin(2.0))))
    ratios = [errors[0] / errors[1], errors[1] / errors[2]]
    assert all(abs(r / 2 ** order - 1) < 0.15 for r in ratios), ratios


@pytest.mark.parametrize("tol", [1e-4, 1e-7, 1e-10])
def test_dopri5_meets_its_tolerance(tol):
    calls = []

    def f(s, y):
        calls.append(1)
        return y * s.cos()

    ys = odeint(f, t64([1.0]), t64([0.0, 10.0]), rtol=tol, atol=tol)
    err = abs(ys.numpy()[-1, 0] - math.exp(math.sin(10.0)))
    assert err < 30 * tol  # global error: a few times the local tolerance over the span
    assert len(calls) < 6 * 100 * (1e-4 / tol) ** 0.2  # and it adapts rather than crawls


def test_gradient_flows_through_a_solve():
    y0 = t64([2.0]).requires_grad_(True)
    for method in ("rk4", "dopri5"):
        ys = odeint(decay, y0, t64([0.0, 1.5]), method=method, step_size=0.05)
        (g,) = wl.autograd.grad(ys[-1].sum(), y0)
        np.testing.assert_allclose(g.numpy(), [math.exp(-0.7 * 1.5)], rtol=1e-6)


def test_float32_state_keeps_its_dtype():
    y = odeint(decay, wl.ones(3), wl.tensor([0.0, 1.0]), method="rk4")
    assert y.dtype == wl.float32 and y.shape == (2, 3)


def test_errors():
    y0, t = t64([1.0]), t64([0.0, 1.0])
    with pytest.raises(ValueError, match="unknown method 'rk45'"):
        odeint(decay, y0, t, method="rk45")
    with pytest.raises(ValueError, match="strictly increasing or strictly decreasing"):
        odeint(decay, y0, t64([0.0, 1.0, 0.5]))
    with pytest.raises(ValueError, match="t must be a 1-D tensor"):
        odeint(decay, y0, t64(1.0))
    with pytest.raises(ValueError, match="step_size must be positive"):
        odeint(decay, y0, t, method="rk4", step_size=0.0)
    with pytest.raises(TypeError, match="y0 must be a tensor or a non-empty pytree"):
        odeint(decay, [1.0], t)
    with pytest.raises(RuntimeError, match="dopri5 took more than 5 steps"):
        odeint(decay, y0, t64([0.0, 100.0]), max_steps=5)
