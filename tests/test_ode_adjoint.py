"""odeint_adjoint against backpropagation through odeint and finite differences (the initial
state, parameters and times, every method), pytree states, a Module's parameters by default,
memory that stays flat as the steps grow, and its errors."""
import tracemalloc

import numpy as np
import pytest

import wonderland as wl
from wonderland import nn
from wonderland.ode import odeint, odeint_adjoint


def t64(values):
    return wl.tensor(np.asarray(values, dtype=np.float64), dtype=wl.float64)


def problem(seed=0):
    """A non-autonomous field tanh(y W + b) (1 + 0.3 t) on a (2, 3) state."""
    wl.manual_seed(seed)
    w = (wl.randn(3, 3, dtype=wl.float64) * 0.5).requires_grad_(True)
    b = wl.randn(3, dtype=wl.float64).requires_grad_(True)
    y0 = wl.randn(2, 3, dtype=wl.float64).requires_grad_(True)

    def f(s, y):
        return wl.tanh(y @ w + b) * (1 + 0.3 * s)
    return f, y0, (w, b)


def loss_of(ys):
    return (ys ** 2).sum() + ys[1].sum() * 0.5


@pytest.mark.parametrize("method,opts,tol", [
    ("euler", {"step_size": 4e-3}, 3e-2), ("midpoint", {"step_size": 1e-2}, 1e-3),
    ("rk4", {"step_size": 5e-2}, 1e-5), ("dopri5", {"rtol": 1e-10, "atol": 1e-10}, 1e-7)])
def test_adjoint_matches_backprop_and_finite_differences(method, opts, tol):
    f, y0, params = problem()
    t = t64([0.0, 0.5, 1.3, 2.0]).requires_grad_(True)
    direct = wl.autograd.grad(loss_of(odeint(f, y0, t, method=method, **opts)), (y0, *params))
    adj = wl.autograd.grad(loss_of(odeint_adjoint(f, y0, t, method=method, adjoint_params=params,
                                                  **opts)), (y0, t, *params))
    for d, a in zip(direct, (adj[0], *adj[2:])):
        np.testing.assert_allclose(a.numpy(), d.numpy(), rtol=tol, atol=tol)
    # the times' gradients, which backprop through the steps does not give, by central differences
    eps, times = 1e-5, t.detach().numpy()

    def at(tv):
        return float(loss_of(odeint(f, y0, t64(tv), method="dopri5", rtol=1e-11,
                                    atol=1e-11)).item())
    fd = [(at(times + eps * e) - at(times - eps * e)) / (2 * eps) for e in np.eye(len(times))]
    np.testing.assert_allclose(adj[1].numpy(), fd, rtol=max(tol, 1e-6), atol=max(tol, 1e-6))


def test_initial_state_gradient_against_finite_differences():
    f, y0, params = problem(1)
    t = t64([0.0, 1.0])
    (g,) = wl.autograd.grad(loss_of(odeint_adjoint(f, y0, t, adjoint_params=params)), (y0,))
    base, eps = y0.detach().numpy(), 1e-6
    for idx in [(0, 0), (1, 2)]:
        bump = np.zeros_like(base)
        bump[idx] = eps
        hi, lo = (float(loss_of(odeint(f, t64(base + s * bump), t)).item()) for s in (1, -1))
        assert abs(g.numpy()[idx] - (hi - lo) / (2 * eps)) < 1e-6


def test_module_parameters_by_default_and_a_dict_state():
    class Field(nn.Module):  # a dict state: position driven by the network, a clock beside it
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))

        def forward(self, s, state):
            return {"x": self.net(state["x"]), "clock": wl.ones_like(state["clock"])}

    wl.manual_seed(2)
    f = Field().to(wl.float64)
    y0 = {"x": wl.randn(4, 2, dtype=wl.float64), "clock": t64([0.0])}
    t = t64([0.0, 0.7])
    out = odeint_adjoint(f, y0, t, rtol=1e-10, atol=1e-10)
    assert set(out) == {"x", "clock"} and out["x"].shape == (2, 4, 2)
    np.testing.assert_allclose(out["clock"].detach().numpy()[:, 0], [0.0, 0.7], atol=1e-9)
    ps = list(f.parameters())
    adj = wl.autograd.grad(out["x"][-1].square().sum(), ps)
    ref = odeint(f, y0, t, rtol=1e-10, atol=1e-10)["x"]
    direct = wl.autograd.grad(ref[-1].square().sum(), ps)
    for a, d in zip(adj, direct):
        np.testing.assert_allclose(a.numpy(), d.numpy(), rtol=1e-7, atol=1e-8)


def peak_bytes(solver, steps: int) -> int:
    f, _, params = problem()
    # a state large enough that its arrays, not Python objects, dominate the peak
    y0 = wl.randn(2048, 3, dtype=wl.float64).requires_grad_(True)
    t = t64([0.0, 1.0])
    kw = {"adjoint_params": params} if solver is odeint_adjoint else {}
    tracemalloc.start()
    try:
        ys = solver(f, y0, t, method="rk4", step_size=1.0 / steps, **kw)
        wl.autograd.grad(ys[-1].sum(), (y0, *params))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_adjoint_memory_does_not_grow_with_the_steps():
    adjoint = [peak_bytes(odeint_adjoint, n) for n in (10, 40)]
    backprop = [peak_bytes(odeint, n) for n in (10, 40)]
    assert backprop[1] > 3 * backprop[0]  # the tape holds every stage of every step...
    assert adjoint[1] < 1.1 * adjoint[0]  # ...the adjoint one evaluation's worth at a time
    assert adjoint[1] < backprop[1] / 20


def test_errors():
    f, y0, params = problem()
    t = t64([0.0, 1.0])
    with pytest.raises(ValueError, match="odeint_adjoint: unknown method 'rk45'"):
        odeint_adjoint(f, y0, t, method="rk45")
    with pytest.raises(TypeError, match="adjoint_params must be tensors"):
        odeint_adjoint(f, y0, t, adjoint_params=[1.0])
    ys = odeint_adjoint(f, y0, t, adjoint_params=params)
    with pytest.raises(NotImplementedError, match="higher-order"):
        wl.autograd.grad(ys.sum(), y0, create_graph=True)
