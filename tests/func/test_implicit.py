"""Implicit differentiation: fixed_point and root_find on problems with closed-form answers, their
gradients against the closed forms and torch.linalg.solve, and proof that backward does not
unroll the solver (one tape entry; backward work independent of the forward iteration count);
forward mode, second and third derivatives and both mixed orders against PyTorch differentiating
the unrolled solvers."""
import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.autodiff.implicit import fixed_point, root_find


def f64(values, requires_grad=True):
    return wl.tensor(values, dtype=wl.float64, requires_grad=requires_grad)


def counting(fn, calls):
    def wrapped(*args):
        calls.append(wl.is_grad_enabled())
        return fn(*args)

    return wrapped


def test_affine_fixed_point_and_gradient():
    p = f64([1.0, -2.0, 3.5])
    x = fixed_point(lambda x, p: 0.5 * x + p, wl.zeros(3, dtype=wl.float64), p)
    np.testing.assert_allclose(x.detach().numpy(), 2 * p.detach().numpy(), rtol=1e-9)
    (x * f64([1.0, 2.0, 3.0], False)).sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), [2.0, 4.0, 6.0], rtol=1e-9)


def test_fixed_point_with_a_tuple_of_params():
    a, b = f64([0.2, -0.6]), f64([1.0, 3.0])
    x = fixed_point(lambda x, ab: ab[0] * x + ab[1], wl.zeros(2, dtype=wl.float64), (a, b))
    an, bn = a.detach().numpy(), b.detach().numpy()
    np.testing.assert_allclose(x.detach().numpy(), bn / (1 - an), rtol=1e-9)
    x.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), bn / (1 - an) ** 2, rtol=1e-8)
    np.testing.assert_allclose(b.grad.numpy(), 1 / (1 - an), rtol=1e-8)


def test_nonlinear_fixed_point_gradient_matches_the_implicit_formula():
    """x = p cos(x): dx/dp = cos(x) / (1 + p sin(x)) at the solution."""
    p = f64([0.3, 0.7, 0.9])
    x = fixed_point(lambda x, p: p * x.cos(), wl.zeros(3, dtype=wl.float64), p)
    xn, pn = x.detach().numpy(), p.detach().numpy()
    np.testing.assert_allclose(xn, pn * np.cos(xn), atol=1e-10)
    x.sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), np.cos(xn) / (1 + pn * np.sin(xn)), rtol=1e-8)


def test_linear_fixed_point_matches_torch_solve():
    rng = np.random.default_rng(0)
    an = rng.normal(size=(4, 4))
    an *= 0.6 / np.linalg.norm(an, 2)  # a contraction
    bn, cn = rng.normal(size=4), rng.normal(size=4)
    a, b = f64(an), f64(bn)
    x = fixed_point(lambda x, ab: ab[0] @ x + ab[1], wl.zeros(4, dtype=wl.float64), (a, b))
    (x * f64(cn, False)).sum().backward()
    ta, tb = torch.tensor(an, requires_grad=True), torch.tensor(bn, requires_grad=True)
    tx = torch.linalg.solve(torch.eye(4, dtype=torch.float64) - ta, tb)
    (tx * torch.tensor(cn)).sum().backward()
    np.testing.assert_allclose(x.detach().numpy(), tx.detach().numpy(), rtol=1e-9)
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_square_root_by_newton():
    a = f64([2.0, 9.0, 0.25])
    x = root_find(lambda x, a: x * x - a, wl.ones(3, dtype=wl.float64), a)
    np.testing.assert_allclose(x.detach().numpy(), np.sqrt(a.detach().numpy()), rtol=1e-12)
    x.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), 1 / (2 * np.sqrt(a.detach().numpy())),
                               rtol=1e-10)


def test_root_of_a_linear_system_matches_torch_solve():
    rng = np.random.default_rng(1)
    an = rng.normal(size=(3, 3)) + 3 * np.eye(3)
    bn, cn = rng.normal(size=3), rng.normal(size=3)
    a, b = f64(an), f64(bn)
    x = root_find(lambda x, ab: ab[0] @ x - ab[1], wl.zeros(3, dtype=wl.float64), (a, b))
    (x * f64(cn, False)).sum().backward()
    ta, tb = torch.tensor(an, requires_grad=True), torch.tensor(bn, requires_grad=True)
    (torch.linalg.solve(ta, tb) * torch.tensor(cn)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("solver", ["fixed_point", "root_find"])
def test_the_solver_loop_is_not_on_the_tape(solver):
    p = f64([1.5, 4.0])
    if solver == "fixed_point":
        x = fixed_point(lambda x, p: 0.5 * x + p, wl.zeros(2, dtype=wl.float64), p)
    else:
        x = root_find(lambda x, p: x * x - p, wl.ones(2, dtype=wl.float64), p)
    assert x.grad_fn.name == f"custom_vjp({solver})"
    assert x._node.inputs == (p,)  # one entry, reading the params: no iterations recorded


def test_backward_cost_does_not_depend_on_the_forward_iterations():
    def run(x0, max_iter):
        calls = []
        p = f64([1.0, -1.0])
        x = fixed_point(counting(lambda x, p: 0.5 * x + p, calls), f64(x0, False), p,
                        max_iter=max_iter)
        forward = len(calls)
        x.sum().backward()
        return forward, len(calls) - forward, p.grad.numpy()

    near = run([2.0, -2.0], 200)
    far = run([1e8, -1e8], 5000)
    assert far[0] > near[0] + 20  # the forward iteration took many more steps ...
    assert far[1] == near[1]  # ... backward did exactly the same work
    np.testing.assert_allclose(far[2], [2.0, 2.0], rtol=1e-9)


def test_backward_runs_f_only_to_linearize_it():
    calls = []
    p = f64([1.0, 2.0])
    x = fixed_point(counting(lambda x, p: 0.5 * x + p, calls), wl.zeros(2, dtype=wl.float64), p)
    assert calls and not any(calls)  # the forward iterations ran without recording
    n = len(calls)
    x.sum().backward()
    assert calls[n:] == [True]  # one recorded call of f at the solution, then vjps of it


def test_float32_converges_with_the_default_tolerance():
    p = wl.tensor([1.0, 2.0], requires_grad=True)
    x = fixed_point(lambda x, p: 0.5 * x + p, wl.zeros(2), p)
    np.testing.assert_allclose(x.detach().numpy(), [2.0, 4.0], rtol=1e-6)
    x.sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), [2.0, 2.0], rtol=1e-6)


def test_solver_errors():
    p = f64([1.0])
    with pytest.raises(RuntimeError, match="no convergence in 5 iterations"):
        fixed_point(lambda x, p: 0.99 * x + p, wl.zeros(1, dtype=wl.float64), p, max_iter=5)
    with pytest.raises(RuntimeError, match="diverged"), np.errstate(over="ignore"):
        fixed_point(lambda x, p: 10 * x * x + p, wl.ones(1, dtype=wl.float64), p)
    with pytest.raises(RuntimeError, match="singular"):
        root_find(lambda x, p: x * x + p, wl.zeros(1, dtype=wl.float64), p)
    with pytest.raises(TypeError, match="params must be a tensor or a tuple"):
        fixed_point(lambda x, p: x, wl.zeros(1), [1.0])
    with pytest.raises(ValueError, match="shape"):
        fixed_point(lambda x, p: x.sum(), wl.zeros(2, dtype=wl.float64), p)


# --- forward mode and higher orders, against PyTorch differentiating the unrolled solvers -----
P0 = [0.3, 0.7, 0.9]
DP = [1.0, -0.5, 0.2]


def t64(values):
    return torch.tensor(values, dtype=torch.float64)


def wl_cos_fixed_point(q):  # x = q cos(x) + 0.1 q_0 x
    return fixed_point(lambda x, p: p * x.cos() + 0.1 * x * p[0], wl.zeros(3, dtype=wl.float64),
                       q)


def torch_cos_fixed_point(q):
    x = torch.zeros(3, dtype=torch.float64)
    for _ in range(300):
        x = q * torch.cos(x) + 0.1 * x * q[0]
    return x


def wl_cubic_root(q):  # x^3 + q x - 1 = 0
    return root_find(lambda x, p: x * x * x + p * x - 1.0, wl.ones(3, dtype=wl.float64), q)


def torch_cubic_root(q):
    x = torch.ones(3, dtype=torch.float64)
    for _ in range(50):
        x = x - (x ** 3 + q * x - 1) / (3 * x * x + q)
    return x


SOLVERS = [(wl_cos_fixed_point, torch_cos_fixed_point), (wl_cubic_root, torch_cubic_root)]


def torch_hessian(solver):
    return torch.autograd.functional.hessian(lambda q: (solver(q) ** 2).sum(),
                                             t64(P0)).numpy()


@pytest.mark.parametrize("ours,theirs", SOLVERS)
def test_forward_mode_matches_torch(ours, theirs):
    x, t = wl.func.jvp(ours, (f64(P0, False),), (f64(DP, False),))
    tx, tt = torch.autograd.functional.jvp(theirs, t64(P0), t64(DP))
    np.testing.assert_allclose(x.numpy(), tx.numpy(), atol=1e-10)
    np.testing.assert_allclose(t.numpy(), tt.numpy(), atol=1e-9)


@pytest.mark.parametrize("ours,theirs", SOLVERS)
def test_second_order_by_create_graph_matches_torch(ours, theirs):
    p = f64(P0)
    (g,) = wl.autograd.grad((ours(p) ** 2).sum(), p, create_graph=True)
    rows = [wl.autograd.grad(g[i], p, retain_graph=True)[0].numpy() for i in range(3)]
    np.testing.assert_allclose(np.stack(rows), torch_hessian(theirs), atol=1e-8)


@pytest.mark.parametrize("ours,theirs", SOLVERS)
def test_forward_over_reverse_and_reverse_over_forward(ours, theirs):
    def loss(q):
        return (ours(q) ** 2).sum()

    _, hv = wl.func.jvp(wl.func.grad(loss), (f64(P0, False),), (f64(DP, False),))
    np.testing.assert_allclose(hv.numpy(), torch_hessian(theirs) @ np.array(DP), atol=1e-8)
    g = wl.func.grad(lambda q: wl.func.jvp(ours, (q,), (f64(DP, False),))[1].sum())(
        f64(P0, False))
    tg = torch.autograd.functional.jacobian(
        lambda q: torch.autograd.functional.jvp(theirs, q, t64(DP),
                                                create_graph=True)[1].sum(), t64(P0))
    np.testing.assert_allclose(g.numpy(), tg.numpy(), atol=1e-8)


def test_third_order_of_a_fixed_point():
    p = f64(P0)
    (g1,) = wl.autograd.grad((wl_cos_fixed_point(p) ** 2).sum(), p, create_graph=True)
    (g2,) = wl.autograd.grad(g1[0], p, create_graph=True)
    (g3,) = wl.autograd.grad(g2[0], p)
    want = torch.autograd.functional.jacobian(
        lambda q: torch.autograd.functional.hessian(
            lambda r: (torch_cos_fixed_point(r) ** 2).sum(), q, create_graph=True)[0, 0],
        t64(P0))
    np.testing.assert_allclose(g3.numpy(), want.numpy(), atol=1e-7)
