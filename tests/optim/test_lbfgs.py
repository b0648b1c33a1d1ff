"""L-BFGS against torch.optim.LBFGS (same MLP, data and initial weights, float64), on Rosenbrock,
its line-search pieces on their own, resuming from a state_dict, and its argument errors."""
import copy
import math

import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.optim.lbfgs import _Trial, cubic_minimizer, strong_wolfe_search


def _problem(seed=0, n=32, d_in=4, hidden=8):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d_in))
    y = np.sin(x.sum(1, keepdims=True))
    weights = [rng.standard_normal((hidden, d_in)) * 0.5, rng.standard_normal(hidden) * 0.1,
               rng.standard_normal((1, hidden)) * 0.5, rng.standard_normal(1) * 0.1]
    return x, y, weights


def _mlp_run(lib, steps, weights=None, **options):
    """A 2-layer tanh MLP fitted with MSE by `steps` calls of LBFGS.step: the returned losses,
    the flat parameters after each call, and the optimizer's global state."""
    x, y, init = _problem()
    weights = init if weights is None else weights
    if lib == "torch":
        params = [torch.tensor(w, requires_grad=True) for w in weights]
        xs, ys, tanh = torch.tensor(x), torch.tensor(y), torch.tanh
        opt = torch.optim.LBFGS(params, **options)
    else:
        params = [wl.tensor(w, dtype=wl.float64, requires_grad=True) for w in weights]
        xs, ys, tanh = wl.tensor(x, dtype=wl.float64), wl.tensor(y, dtype=wl.float64), wl.tanh
        opt = wl.optim.LBFGS(params, **options)
    w1, b1, w2, b2 = params

    def closure():
        opt.zero_grad()
        loss = ((tanh(xs @ w1.T + b1) @ w2.T + b2 - ys) ** 2).mean()
        loss.backward()
        return loss

    losses, flats = [], []
    for _ in range(steps):
        losses.append(float(opt.step(closure).detach()))
        flats.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    state = opt.state[params[0]] if lib == "torch" else opt.state[id(params[0])]
    return losses, flats, state


# L-BFGS on a non-convex loss amplifies rounding differences (torch against itself with the first
# weight moved by one ulp drifts the same way), so each case runs as many calls as keep that
# amplification well under the 1e-8 tolerance.
CASES = [
    (dict(), 4),
    (dict(line_search_fn="strong_wolfe"), 3),
    (dict(history_size=3), 3),
    (dict(history_size=3, line_search_fn="strong_wolfe"), 3),
    (dict(max_iter=5, history_size=5), 6),
    (dict(max_iter=7, history_size=4, line_search_fn="strong_wolfe"), 6),
    (dict(lr=0.5, max_iter=20, history_size=10), 3),
    (dict(max_iter=10, max_eval=12, line_search_fn="strong_wolfe"), 5),
    (dict(max_iter=50, tolerance_change=1e-4, line_search_fn="strong_wolfe"), 3),
    (dict(max_iter=50, tolerance_change=1e-5), 3),
    (dict(max_iter=1), 10),
]


@pytest.mark.parametrize("options,steps", CASES)
def test_matches_torch(options, steps):
    t_losses, t_flats, t_state = _mlp_run("torch", steps, **options)
    w_losses, w_flats, w_state = _mlp_run("wl", steps, **options)
    # the same iterations and evaluations, so the same path through every branch
    assert w_state["func_evals"] == t_state["func_evals"]
    assert w_state["n_iter"] == t_state["n_iter"]
    assert len(w_state["old_dirs"]) == len(t_state["old_dirs"])
    np.testing.assert_allclose(w_losses, t_losses, rtol=1e-8)
    for a, b in zip(w_flats, t_flats):
        assert np.abs(a - b).max() / np.abs(b).max() < 1e-8
    # the loss went down
    assert w_losses[-1] < w_losses[0]


def _rosenbrock_run(lib, steps, **options):
    if lib == "torch":
        xy = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
        opt = torch.optim.LBFGS([xy], **options)
    else:
        xy = wl.tensor([-1.5, 2.0], dtype=wl.float64, requires_grad=True)
        opt = wl.optim.LBFGS([xy], **options)

    def closure():
        opt.zero_grad()
        loss = (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2
        loss.backward()
        return loss

    for _ in range(steps):
        opt.step(closure)
    return xy.detach().numpy().copy()


def test_rosenbrock_strong_wolfe_reaches_the_minimum():
    # the default tolerances stop where the loss changes by < 1e-9 (about 2e-6 from (1, 1)),
    # at the same point as torch; tighter ones go on to the minimum
    end = _rosenbrock_run("wl", 5, line_search_fn="strong_wolfe")
    np.testing.assert_allclose(end, [1.0, 1.0], atol=1e-5)
    np.testing.assert_allclose(end, _rosenbrock_run("torch", 5, line_search_fn="strong_wolfe"),
                               rtol=1e-10)
    tight = dict(line_search_fn="strong_wolfe", tolerance_change=1e-14, tolerance_grad=1e-12)
    np.testing.assert_allclose(_rosenbrock_run("wl", 5, **tight), [1.0, 1.0], atol=1e-10)


def test_rosenbrock_fixed_step_matches_torch():
    ours = _rosenbrock_run("wl", 3, lr=0.1, max_iter=10, history_size=5)
    theirs = _rosenbrock_run("torch", 3, lr=0.1, max_iter=10, history_size=5)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_resumed_run_equals_uninterrupted_one():
    options = dict(max_iter=6, history_size=4, line_search_fn="strong_wolfe")
    _, straight, _ = _mlp_run("wl", 6, **options)

    x, y, weights = _problem()
    params = [wl.tensor(w, dtype=wl.float64, requires_grad=True) for w in weights]
    xs, ys = wl.tensor(x, dtype=wl.float64), wl.tensor(y, dtype=wl.float64)

    def make_closure(opt, ps):
        def closure():
            opt.zero_grad()
            w1, b1, w2, b2 = ps
            loss = ((wl.tanh(xs @ w1.T + b1) @ w2.T + b2 - ys) ** 2).mean()
            loss.backward()
            return loss
        return closure

    first = wl.optim.LBFGS(params, **options)
    for _ in range(3):
        first.step(make_closure(first, params))
    saved = first.state_dict()
    assert {"d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss",
            "func_evals", "n_iter"} <= set(saved["state"][0])
    for _ in range(2):  # the first optimizer runs on: the saved history must not change
        first.step(make_closure(first, params))

    copies = [wl.tensor(v, dtype=wl.float64, requires_grad=True)
              for v in np.split(straight[2], np.cumsum([w.size for w in weights])[:-1])]
    copies = [c.reshape(w.shape).detach().requires_grad_() for c, w in zip(copies, weights)]
    second = wl.optim.LBFGS(copies, **options)
    second.load_state_dict(copy.deepcopy(saved))
    for step in range(3, 6):
        second.step(make_closure(second, copies))
        flat = np.concatenate([p.detach().numpy().ravel() for p in copies])
        np.testing.assert_array_equal(flat, straight[step])


def test_stationary_start_returns_at_once():
    xy = wl.tensor([1.0, 1.0], dtype=wl.float64, requires_grad=True)
    opt = wl.optim.LBFGS([xy])
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2
        loss.backward()
        return loss

    assert float(opt.step(closure)) == 0.0
    assert len(calls) == 1 and xy.tolist() == [1.0, 1.0]
    assert opt.state[id(xy)]["n_iter"] == 0


def test_parameter_without_gradient_stays():
    a = wl.tensor([3.0, -2.0], dtype=wl.float64, requires_grad=True)
    unused = wl.tensor([5.0], dtype=wl.float64, requires_grad=True)
    opt = wl.optim.LBFGS([a, unused], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = (a ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(a.tolist(), [0.0, 0.0], atol=1e-8)
    assert unused.tolist() == [5.0]


def test_cubic_minimizer_finds_the_cubic_minimum():
    # f(x) = x^3 - 3x has its local minimum at x = 1; the fit through x = 0 and x = 2 is exact
    f, g = (lambda x: x ** 3 - 3 * x), (lambda x: 3 * x ** 2 - 3)
    assert cubic_minimizer(0.0, f(0.0), g(0.0), 2.0, f(2.0), g(2.0)) == pytest.approx(1.0)
    assert cubic_minimizer(2.0, f(2.0), g(2.0), 0.0, f(0.0), g(0.0)) == pytest.approx(1.0)
    # clamped to the bounds, and the middle of them when the cubic has no minimum
    assert cubic_minimizer(0.0, f(0.0), g(0.0), 2.0, f(2.0), g(2.0), bounds=(1.5, 3)) == 1.5
    assert cubic_minimizer(0.0, 0.0, 1.0, 1.0, 2 / 3, 1.0, bounds=(2.0, 4.0)) == 3.0
    # a straight line (a zero denominator) runs to a bound, as with torch's IEEE scalars
    assert cubic_minimizer(0.0, 0.0, 1.0, 1.0, 1.0, 1.0, bounds=(2.0, 4.0)) == 2.0


@pytest.mark.parametrize("t0", [1e-3, 1.0, 50.0])
def test_line_search_satisfies_the_strong_wolfe_conditions(t0):
    # phi(t) = loss along a descent direction of a 1-d non-quadratic: the search must bracket
    # (t0 small) or zoom (t0 large) to a point meeting both conditions
    def phi(t):
        x = -2.0 + t
        return _Trial(t, x ** 4 / 4 + x ** 2, wl.tensor([x ** 3 + 2 * x]), x ** 3 + 2 * x)

    start = phi(0.0)
    best, evals = strong_wolfe_search(phi, t0, 1.0, start)
    assert best.f <= start.f + 1e-4 * best.t * start.gtd
    assert abs(best.gtd) <= 0.9 * abs(start.gtd)
    assert 1 <= evals <= 25


def test_errors():
    a = wl.tensor([1.0], requires_grad=True)
    b = wl.tensor([2.0], requires_grad=True)
    with pytest.raises(ValueError, match="parameter groups"):
        wl.optim.LBFGS([{"params": [a]}, {"params": [b]}])
    opt = wl.optim.LBFGS([a])
    with pytest.raises(ValueError, match="parameter groups"):
        opt.add_param_group({"params": [b]})
    with pytest.raises(TypeError, match="closure"):
        opt.step()
    with pytest.raises(ValueError, match="learning rate"):
        wl.optim.LBFGS([a], lr=-1.0)
    with pytest.raises(ValueError, match="strong_wolfe"):
        wl.optim.LBFGS([a], line_search_fn="backtracking")


def test_defaults_follow_torch():
    opt = wl.optim.LBFGS([wl.tensor([1.0], requires_grad=True)], max_iter=7)
    ref = torch.optim.LBFGS([torch.tensor([1.0], requires_grad=True)], max_iter=7)
    ours = {k: v for k, v in opt.param_groups[0].items() if k != "params"}
    theirs = {k: v for k, v in ref.param_groups[0].items() if k != "params"}
    assert ours == theirs
    assert math.isclose(ours["max_eval"], 8)


def test_same_result_on_another_device_and_history_follows_the_state():
    def run(device, steps, opt_state=None):
        xy = wl.tensor([-1.5, 2.0], dtype=wl.float64, device=device, requires_grad=True)
        opt = wl.optim.LBFGS([xy], line_search_fn="strong_wolfe", max_iter=5)
        if opt_state is not None:
            opt.load_state_dict(opt_state)
            xy.data = wl.tensor(opt_state["x"], dtype=wl.float64, device=device)

        def closure():
            opt.zero_grad()
            loss = (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2
            loss.backward()
            return loss

        for _ in range(steps):
            opt.step(closure)
        return xy, opt

    on_cpu, _ = run("cpu", 4)
    on_dev, _ = run("fakedev", 4)
    assert on_dev.device.type == "fakedev"
    np.testing.assert_array_equal(on_dev.detach().cpu().numpy(), on_cpu.detach().numpy())
    # a state saved on the CPU continues on the other device, its history moved there
    half, half_opt = run("cpu", 2)
    saved = {**half_opt.state_dict(), "x": half.detach().numpy().copy()}
    resumed, resumed_opt = run("fakedev", 2, saved)
    np.testing.assert_array_equal(resumed.detach().cpu().numpy(), on_cpu.detach().numpy())
    history = resumed_opt.state[id(resumed)]["old_dirs"]
    assert history and all(v.device == resumed.device for v in history)
