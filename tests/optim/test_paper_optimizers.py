"""AdaBelief, Lion and LAMB (which PyTorch lacks) against their papers' update rules transcribed
here in plain NumPy, on a small MLP whose gradients are also written out by hand; convergence on
problems with a known minimum; Newton-CG on quadratics, Rosenbrock and an MLP, built on
Hessian-vector products only; exact resumption from a state_dict."""
import numpy as np
import pytest

import wonderland as wl
from wonderland.core import primitive
from wonderland.optim import LAMB, SGD, AdaBelief, Lion, NewtonCG
from wonderland.optim import newton_cg as newton_cg_module

STEPS = 30


# --- the model: a tanh MLP with a squared error, forward and backward by hand in NumPy ----------
def make_problem(seed=0):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(16, 4)), rng.normal(size=(16, 3))
    params = {"w1": rng.normal(size=(6, 4)) * 0.5, "b1": np.zeros(6),
              "w2": rng.normal(size=(3, 6)) * 0.5, "b2": np.zeros(3)}
    return x, y, params


def numpy_loss_and_grads(p, x, y):
    h = np.tanh(x @ p["w1"].T + p["b1"])
    out = h @ p["w2"].T + p["b2"]
    err = out - y
    loss = np.mean(err ** 2)
    d_out = 2 * err / err.size
    d_h = d_out @ p["w2"] * (1 - h ** 2)
    return loss, {"w1": d_h.T @ x, "b1": d_h.sum(0), "w2": d_out.T @ h, "b2": d_out.sum(0)}


def wl_loss(p, x, y):
    h = (x @ p["w1"].T + p["b1"]).tanh()
    return ((h @ p["w2"].T + p["b2"] - y) ** 2).mean()


# --- the papers' updates, transcribed ------------------------------------------------------------
def adabelief_paper(theta, g, st, lr, betas=(0.9, 0.999), eps=1e-16, weight_decay=0.0,
                    decoupled_weight_decay=True, amsgrad=False):
    """Zhuang et al. 2020, Algorithm 2 (plus the release's decoupled decay and AMSGrad)."""
    b1, b2 = betas
    if "m" not in st:
        st.update(t=0, m=np.zeros_like(theta), s=np.zeros_like(theta), s_max=None)
    st["t"] += 1
    t = st["t"]
    if weight_decay and decoupled_weight_decay:
        theta = theta * (1 - lr * weight_decay)
    elif weight_decay:
        g = g + weight_decay * theta
    st["m"] = b1 * st["m"] + (1 - b1) * g
    st["s"] = b2 * st["s"] + (1 - b2) * (g - st["m"]) ** 2 + eps
    s = st["s"]
    if amsgrad:
        st["s_max"] = s if st["s_max"] is None else np.maximum(st["s_max"], s)
        s = st["s_max"]
    m_hat = st["m"] / (1 - b1 ** t)
    s_hat = s / (1 - b2 ** t)
    return theta - lr * m_hat / (np.sqrt(s_hat) + eps)


def lion_paper(theta, g, st, lr, betas=(0.9, 0.99), weight_decay=0.0):
    """Chen et al. 2023, Algorithm 2."""
    b1, b2 = betas
    m = st.get("m", np.zeros_like(theta))
    c = b1 * m + (1 - b1) * g
    theta = theta - lr * (np.sign(c) + weight_decay * theta)
    st["m"] = b2 * m + (1 - b2) * g
    return theta


def lamb_paper(x, g, st, lr, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.0,
               bias_correction=True):
    """You et al. 2019, Algorithm 2, phi = identity, the ratio 1 when a norm is 0."""
    b1, b2 = betas
    if "m" not in st:
        st.update(t=0, m=np.zeros_like(x), v=np.zeros_like(x))
    st["t"] += 1
    t = st["t"]
    st["m"] = b1 * st["m"] + (1 - b1) * g
    st["v"] = b2 * st["v"] + (1 - b2) * g ** 2
    m, v = st["m"], st["v"]
    if bias_correction:
        m, v = m / (1 - b1 ** t), v / (1 - b2 ** t)
    r = m / (np.sqrt(v) + eps)
    u = r + weight_decay * x
    x_norm, u_norm = np.linalg.norm(x), np.linalg.norm(u)
    ratio = x_norm / u_norm if x_norm > 0 and u_norm > 0 else 1.0
    return x - lr * ratio * u


CASES = [
    (AdaBelief, adabelief_paper, dict(lr=1e-2)),
    (AdaBelief, adabelief_paper, dict(lr=1e-2, betas=(0.8, 0.95), eps=1e-8)),
    (AdaBelief, adabelief_paper, dict(lr=1e-2, weight_decay=0.1)),
    (AdaBelief, adabelief_paper, dict(lr=1e-2, weight_decay=0.1, decoupled_weight_decay=False)),
    (AdaBelief, adabelief_paper, dict(lr=1e-2, amsgrad=True)),
    (AdaBelief, adabelief_paper, dict(lr=1e-2, amsgrad=True, weight_decay=0.05,
                                      decoupled_weight_decay=False, eps=1e-10)),
    (Lion, lion_paper, dict(lr=1e-3)),
    (Lion, lion_paper, dict(lr=3e-3, betas=(0.95, 0.98))),
    (Lion, lion_paper, dict(lr=1e-3, weight_decay=0.5)),
    (LAMB, lamb_paper, dict(lr=1e-2)),
    (LAMB, lamb_paper, dict(lr=1e-2, betas=(0.8, 0.9), eps=1e-8)),
    (LAMB, lamb_paper, dict(lr=1e-2, weight_decay=0.1)),
    (LAMB, lamb_paper, dict(lr=1e-2, bias_correction=False)),
    (LAMB, lamb_paper, dict(lr=1e-2, weight_decay=0.1, bias_correction=False)),
]


def max_deviation(opt_cls, paper, options, group_lrs=None, steps=STEPS):
    """Max over tensors of max|wonderland - paper| / max|paper| after `steps` steps. With
    group_lrs, the weights and the biases form two groups with these learning rates."""
    x, y, start = make_problem()
    ref = {k: v.copy() for k, v in start.items()}
    ref_state = {k: {} for k in ref}
    ps = {k: wl.tensor(v.copy(), requires_grad=True) for k, v in start.items()}
    if group_lrs is None:
        opt = opt_cls(list(ps.values()), **options)
        lrs = {k: options["lr"] for k in ps}
    else:
        opt = opt_cls([{"params": [ps["w1"], ps["w2"]], "lr": group_lrs[0]},
                       {"params": [ps["b1"], ps["b2"]], "lr": group_lrs[1]}], **options)
        lrs = {"w1": group_lrs[0], "w2": group_lrs[0], "b1": group_lrs[1], "b2": group_lrs[1]}
    xt, yt = wl.tensor(x), wl.tensor(y)
    for _ in range(steps):
        opt.zero_grad()
        wl_loss(ps, xt, yt).backward()
        opt.step()
        _, grads = numpy_loss_and_grads(ref, x, y)
        for k in ref:
            ref[k] = paper(ref[k], grads[k], ref_state[k], **{**options, "lr": lrs[k]})
    moved = max(np.abs(ref[k] - start[k]).max() for k in ref)
    assert moved > 1e-3, "the parameters barely moved: the comparison would prove little"
    return max(np.abs(ps[k].detach().numpy() - ref[k]).max() / np.abs(ref[k]).max() for k in ref)


@pytest.mark.parametrize("opt_cls,paper,options", CASES,
                         ids=[f"{c.__name__}-{o}" for c, _, o in CASES])
def test_matches_paper_transcription(opt_cls, paper, options):
    assert max_deviation(opt_cls, paper, options) < 1e-10


@pytest.mark.parametrize("opt_cls,paper,options", [CASES[2], CASES[8], CASES[11]],
                         ids=["AdaBelief", "Lion", "LAMB"])
def test_param_groups_match_paper(opt_cls, paper, options):
    assert max_deviation(opt_cls, paper, options, group_lrs=(options["lr"], 0.3e-2)) < 1e-10


def test_lamb_trust_ratio_is_one_for_a_zero_tensor():
    p = wl.zeros(3, dtype=wl.float64, requires_grad=True)
    opt = LAMB([p], lr=0.1, eps=0.0)
    p.grad = wl.tensor([1.0, -2.0, 0.5], dtype=wl.float64)
    opt.step()
    # the first bias-corrected Adam direction is sign(g): the step is lr * sign(g)
    np.testing.assert_allclose(p.detach().numpy(), [-0.1, 0.1, -0.1], rtol=1e-12)


# --- convergence to known minima ---------------------------------------------------------------
def rosenbrock(z):
    return (1 - z[0]) ** 2 + 100 * (z[1] - z[0] ** 2) ** 2


A_QUAD = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])
B_QUAD = np.array([1.0, -2.0, 0.5])


def quadratic(z):
    a, b = wl.tensor(A_QUAD), wl.tensor(B_QUAD)
    return 0.5 * (z * (a @ z)).sum() - (b * z).sum()


def run(opt_cls, f, start, steps, lr_at=None, **options):
    z = wl.tensor(np.array(start), requires_grad=True)
    opt = opt_cls([z], **options)
    for i in range(steps):
        if lr_at is not None:
            opt.param_groups[0]["lr"] = lr_at(i)
        opt.zero_grad()
        f(z).backward()
        opt.step()
    return z.detach().numpy()


def cosine(lr0, steps):
    return lambda i: lr0 * 0.5 * (1 + np.cos(np.pi * i / steps))


def test_adabelief_minimises_rosenbrock():
    z = run(AdaBelief, rosenbrock, [-1.5, 2.0], 3000, lr=0.05, betas=(0.9, 0.999), eps=1e-12)
    np.testing.assert_allclose(z, [1.0, 1.0], atol=1e-3)


@pytest.mark.parametrize("opt_cls", [AdaBelief, Lion, LAMB])
def test_minimises_a_convex_quadratic(opt_cls):
    lr0 = {AdaBelief: 0.1, Lion: 0.05, LAMB: 0.05}[opt_cls]
    z = run(opt_cls, quadratic, [2.0, 2.0, 2.0], 1500, lr_at=cosine(lr0, 1500), lr=lr0)
    np.testing.assert_allclose(z, np.linalg.solve(A_QUAD, B_QUAD), atol=1e-3)


# --- resuming from a state_dict continues exactly ----------------------------------------------
def _saved(sd):
    """The state dict as it would come back from disk: fresh arrays, nothing shared."""
    return {"param_groups": [dict(g) for g in sd["param_groups"]],
            "state": {i: {k: wl.tensor(v.numpy().copy()) if isinstance(v, wl.Tensor) else v
                          for k, v in s.items()} for i, s in sd["state"].items()}}


@pytest.mark.parametrize("opt_cls,options", [
    (Lion, dict(lr=1e-3, weight_decay=0.1)),
    (AdaBelief, dict(lr=1e-2, amsgrad=True, weight_decay=0.1)),
    (LAMB, dict(lr=1e-2, weight_decay=0.1)),
], ids=["Lion", "AdaBelief", "LAMB"])
def test_state_dict_resumes_exactly(opt_cls, options):
    x, y, start = make_problem(1)
    xt, yt = wl.tensor(x), wl.tensor(y)

    def train(ps, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            wl_loss(ps, xt, yt).backward()
            opt.step()

    straight = {k: wl.tensor(v.copy(), requires_grad=True) for k, v in start.items()}
    train(straight, opt_cls(list(straight.values()), **options), 20)

    first = {k: wl.tensor(v.copy(), requires_grad=True) for k, v in start.items()}
    opt = opt_cls(list(first.values()), **options)
    train(first, opt, 10)
    saved, weights = _saved(opt.state_dict()), {k: v.detach().numpy().copy()
                                                for k, v in first.items()}
    resumed = {k: wl.tensor(v, requires_grad=True) for k, v in weights.items()}
    opt2 = opt_cls(list(resumed.values()), lr=123.0)  # options come back from the state dict
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == options["lr"]
    train(resumed, opt2, 10)
    for k in start:
        np.testing.assert_array_equal(resumed[k].detach().numpy(), straight[k].detach().numpy())


# --- Newton-CG ---------------------------------------------------------------------------------
def spd_problem(n=10, cond=100.0, seed=0):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    a = q @ np.diag(np.geomspace(1, cond, n)) @ q.T
    return (a + a.T) / 2, rng.normal(size=n)


def newton_quadratic_closure(a, b, x):
    at, bt = wl.tensor(a), wl.tensor(b)
    return lambda: 0.5 * (x * (at @ x)).sum() - (bt * x).sum()


def test_newton_cg_solves_a_quadratic_in_one_step():
    a, b = spd_problem()
    x = wl.zeros(10, dtype=wl.float64, requires_grad=True)
    opt = NewtonCG([x], cg_tol=1e-12, max_cg_iters=40)
    opt.step(newton_quadratic_closure(a, b, x))
    np.testing.assert_allclose(x.detach().numpy(), np.linalg.solve(a, b), rtol=1e-9, atol=1e-10)
    state = opt.state[id(x)]
    assert state["n_iter"] == 1 and state["last_step_size"] == 1.0
    assert state["hvp_evals"] <= 20  # CG: at most n products in exact arithmetic (n = 10)


def test_newton_cg_damping_and_fixed_step():
    a, b = spd_problem(seed=1)
    x = wl.zeros(10, dtype=wl.float64, requires_grad=True)
    opt = NewtonCG([x], damping=0.5, line_search=None, cg_tol=1e-13, max_cg_iters=40)
    opt.step(newton_quadratic_closure(a, b, x))  # from 0: d = (A + 0.5 I)^-1 b
    np.testing.assert_allclose(x.detach().numpy(), np.linalg.solve(a + 0.5 * np.eye(10), b),
                               rtol=1e-9)


def test_newton_cg_minimises_rosenbrock_in_few_iterations():
    z = wl.tensor([-1.5, 2.0], dtype=wl.float64, requires_grad=True)
    opt = NewtonCG([z])
    for _ in range(30):
        opt.step(lambda: rosenbrock(z))
    np.testing.assert_allclose(z.detach().numpy(), [1.0, 1.0], atol=1e-10)
    # gradient descent with a line search would need thousands of steps here


def test_newton_cg_forms_no_hessian(monkeypatch):
    n = 30
    z = wl.tensor(np.full(n, -0.5), requires_grad=True)

    def chained_rosenbrock():
        return ((1 - z[:-1]) ** 2 + 100 * (z[1:] - z[:-1] ** 2) ** 2).sum()

    calls, seen = [], []
    real = newton_cg_module.hessian_vector_product

    def spy(grads, params, vector):
        calls.append([v.shape for v in vector])
        return real(grads, params, vector)

    def observe(prim, xs):
        seen.append(max(x.numel() for x in xs))

    monkeypatch.setattr(newton_cg_module, "hessian_vector_product", spy)
    monkeypatch.setattr(primitive, "_observers", [observe])
    opt = NewtonCG([z], max_cg_iters=n)
    losses = [opt.step(chained_rosenbrock).item() for _ in range(5)]
    assert losses[-1] < losses[0]
    state = opt.state[id(z)]
    assert len(calls) == state["hvp_evals"] > 5 and all(c == [(n,)] for c in calls)
    assert max(seen) <= n  # no tensor as large as an n x n Hessian (or any n x k matrix) exists


def test_hessian_vector_product_matches_the_hessian():
    x = wl.tensor(np.array([0.3, -1.2, 0.7]), requires_grad=True)
    w = wl.tensor(np.array([[1.0, 2.0], [0.5, -1.0], [0.2, 0.3]]), requires_grad=True)

    def f(x, w):
        return ((x @ w).tanh() ** 2).sum() + (x ** 3).sum() * (w ** 2).sum()

    v = [wl.tensor(np.array([1.0, 0.5, -2.0])), wl.tensor(np.array([[0.1, 0.2], [0.3, 0.4],
                                                                    [0.5, 0.6]]))]
    with wl.enable_grad():
        grads = wl.autograd.grad(f(x, w), [x, w], create_graph=True)
    hv = newton_cg_module.hessian_vector_product(list(grads), [x, w], v)
    _, want = wl.func.hvp(f, (x.detach(), w.detach()), tuple(v))
    for got, ref in zip(hv, want):
        np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-12)


def test_newton_cg_escapes_negative_curvature():
    z = wl.tensor([0.0, 0.1], dtype=wl.float64, requires_grad=True)  # a saddle region
    opt = NewtonCG([z])
    for _ in range(30):
        opt.step(lambda: z[0] ** 2 - z[1] ** 2 + z[1] ** 4)
    np.testing.assert_allclose(z.detach().numpy(), [0.0, 1 / np.sqrt(2)], atol=1e-9)


def test_newton_cg_trains_a_small_mlp():
    wl.manual_seed(0)
    model = wl.nn.Sequential(wl.nn.Linear(2, 8), wl.nn.Tanh(), wl.nn.Linear(8, 1))
    rng = np.random.default_rng(0)
    x = wl.tensor(rng.uniform(-1, 1, size=(64, 2)).astype(np.float32))
    y = (x[:, :1] * x[:, 1:]).sin() + x[:, :1]

    def closure():
        return ((model(x) - y) ** 2).mean()

    opt = NewtonCG(model.parameters(), max_cg_iters=20, damping=1e-3)
    losses = [opt.step(closure).item() for _ in range(15)]
    assert losses[-1] < 0.1 * losses[0]
    assert all(b <= a + 1e-7 for a, b in zip(losses, losses[1:]))  # Armijo: never increases


def test_newton_cg_beats_gradient_descent_on_rosenbrock():
    z = wl.tensor([-1.5, 2.0], dtype=wl.float64, requires_grad=True)
    z_sgd = run(SGD, rosenbrock, [-1.5, 2.0], 200, lr=1e-3)
    opt = NewtonCG([z])
    for _ in range(25):
        opt.step(lambda: rosenbrock(z))
    assert rosenbrock(z).item() < 1e-12 < rosenbrock(wl.tensor(z_sgd)).item()


def test_newton_cg_errors():
    z = wl.tensor([1.0, 2.0], requires_grad=True)
    w = wl.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="one parameter group"):
        NewtonCG([{"params": [z]}, {"params": [w]}])
    opt = NewtonCG([z])
    with pytest.raises(RuntimeError, match="closure"):
        opt.step()

    def backward_closure():
        loss = (z ** 2).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="backward"):
        opt.step(backward_closure)
    with pytest.raises(ValueError, match="line_search"):
        NewtonCG([z], line_search="wolfe")
