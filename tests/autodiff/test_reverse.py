"""Reverse mode: accumulation, retain_graph, retain_grad, hooks, grad modes, detach, seeds and
autograd.grad with higher order (long chains and memory: test_tape_memory.py)."""

import numpy as np
import pytest
import torch

import wonderland as wl

POINTS = [-1.3, 0.2, 0.7, 2.0]


def pair(values, requires_grad=True):
    """The same float64 values as a wonderland tensor and a torch tensor."""
    return (wl.tensor(values, dtype=wl.float64, requires_grad=requires_grad),
            torch.tensor(values, dtype=torch.float64, requires_grad=requires_grad))


def close(x, ref):
    np.testing.assert_allclose(x.detach().numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)


# --- accumulation and graph lifetime ----------------------------------------------------------
def test_leaf_gradients_accumulate_across_backward_calls():
    x, tx = pair(POINTS)
    for a, lib in ((x, wl), (tx, torch)):
        (lib.sin(a) * a).sum().backward()
        (a * a).sum().backward()
    close(x.grad, tx.grad)
    assert x.grad.is_leaf and not x.grad.requires_grad


def test_backward_twice_needs_retain_graph():
    x, tx = pair(POINTS)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    x.grad = None
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    once = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * once)
    (tx.exp() * tx).sum().backward()
    close(wl.tensor(once), tx.grad)


def test_consumed_shared_subgraph_raises_too():
    x = wl.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    (h * 2).sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        (h * 3).sum().backward()


def test_freed_graph_is_reported_before_any_grad_changes():
    x = wl.tensor([1.0, 2.0], requires_grad=True)
    w = wl.tensor([1.0, 1.0], requires_grad=True)
    h = x.exp()
    (h * 2).sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        (w * 2 + h * 3).sum().backward()
    assert w.grad is None  # torch would have written w.grad before failing; here nothing changes


def test_grad_runs_only_the_needed_part_of_the_graph():
    x, tx = pair(POINTS)
    y, ty = pair([0.5, 1.0, 1.5, 2.0])
    calls = {"wl": 0, "torch": 0}
    grads = []
    for a, b, key in ((x, y, "wl"), (tx, ty, "torch")):
        eb = b.exp()
        eb.register_hook(lambda g, key=key: calls.__setitem__(key, calls[key] + 1))
        grads.append((a.exp() * eb).sum())
    (g,) = wl.autograd.grad(grads[0], x)
    (tg,) = torch.autograd.grad(grads[1], tx)
    close(g, tg)
    assert calls == {"wl": 0, "torch": 0}
    # a freed intermediate can still be a grad input: its own node need not be walked
    h, th = x.exp(), tx.exp()
    (h * 2).sum().backward()
    (th * 2).sum().backward()
    close(wl.autograd.grad((h * 3).sum(), h)[0], torch.autograd.grad((th * 3).sum(), th)[0])


def test_backward_inside_no_grad_still_computes_grads():
    x, tx = pair(POINTS)
    loss, tloss = (x * x.sin()).sum(), (tx * tx.sin()).sum()
    with wl.no_grad(), torch.no_grad():
        loss.backward()
        tloss.backward()
    close(x.grad, tx.grad)


def test_retain_grad_keeps_non_leaf_grad():
    x, tx = pair(POINTS)
    outs = []
    for a in (x, tx):
        z = a.sin()
        w = z * 3
        z.retain_grad()
        (w * w).sum().backward()
        outs.append((z, w))
    (z, w), (tz, _) = outs
    assert z.retains_grad and not z.is_leaf
    close(z.grad, tz.grad)
    assert w.grad is None  # non-leaf without retain_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        wl.zeros(2).retain_grad()


def test_diamond_and_repeated_inputs_accumulate():
    x, tx = pair(POINTS)
    for a, lib in ((x, wl), (tx, torch)):
        y = a * 2
        (lib.sin(y) * lib.cos(y) + y).sum().backward()
    close(x.grad, tx.grad)
    v = wl.tensor([1.5, -2.0], requires_grad=True)
    (v * v).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), 2 * v.detach().numpy())
    u = wl.tensor(3.0, requires_grad=True)
    (u + u + u).backward()
    assert u.grad.item() == 3.0


# --- seeds and errors -------------------------------------------------------------------------
def test_backward_with_gradient_for_non_scalar_outputs():
    x, tx = pair([[1.0, 2.0], [3.0, 4.0]])
    g = [[1.0, -1.0], [0.5, 2.0]]
    (x * x.exp()).backward(gradient=wl.tensor(g, dtype=wl.float64))
    (tx * tx.exp()).backward(gradient=torch.tensor(g, dtype=torch.float64))
    close(x.grad, tx.grad)
    with pytest.raises(RuntimeError, match="scalar outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).backward(gradient=wl.ones(3, dtype=wl.float64))
    with pytest.raises(RuntimeError, match="fakedev:0 but the output is on cpu"):
        (x * 2).backward(gradient=wl.ones(2, 2, dtype=wl.float64, device="fakedev"))


def test_backward_on_tensor_without_grad_is_a_clear_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        wl.ones(2).sum().backward()
    x = wl.ones(2, requires_grad=True)
    with wl.no_grad():
        y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="no_grad"):
        y.backward()


def test_backward_of_a_leaf_and_inputs_argument():
    x = wl.tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0
    a, ta = pair(POINTS)
    b, tb = pair([0.5, 0.5, 1.0, 1.0])
    (a * b).sum().backward(inputs=[a])
    (ta * tb).sum().backward(inputs=[ta])
    close(a.grad, ta.grad)
    assert b.grad is None and tb.grad is None


# --- hooks ------------------------------------------------------------------------------------
def test_hooks_on_leaf_see_and_replace_the_gradient():
    x = wl.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.numpy().copy()))
    (x * 3).sum().backward()
    np.testing.assert_array_equal(seen[0], [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    handle.remove()
    x.grad = None
    h2 = x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    assert len(seen) == 1  # the removed hook did not run
    np.testing.assert_array_equal(x.grad.numpy(), [30.0, 30.0])
    h2.remove()
    h2.remove()  # removing twice is harmless
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_hooks_on_non_leaf_match_torch():
    x, tx = pair(POINTS)
    seen = {}
    zs = []
    for a, key in ((x, "wl"), (tx, "torch")):
        z = a.sin()
        z.register_hook(lambda g, key=key: seen.update({key: g.detach().numpy().copy()}))
        z.register_hook(lambda g: g * 10)
        z.retain_grad()
        (z * a).sum().backward()
        zs.append(z)
    np.testing.assert_allclose(seen["wl"], seen["torch"])
    close(zs[0].grad, zs[1].grad)
    close(x.grad, tx.grad)
    with pytest.raises(RuntimeError, match="does not require grad"):
        wl.zeros(2).register_hook(lambda g: g)


@pytest.mark.parametrize("bad", [lambda g: g.numpy(), lambda g: g.sum()])
def test_hook_returning_a_wrong_value_is_a_clear_error(bad):
    x = wl.ones(3, requires_grad=True)
    x.register_hook(bad)
    with pytest.raises(RuntimeError, match=r"expected None or a tensor of shape \(3,\)"):
        (x * 2).sum().backward()


# --- grad modes -------------------------------------------------------------------------------
def test_grad_modes_as_context_managers_nested():
    x = wl.ones(2, requires_grad=True)
    assert wl.is_grad_enabled()
    with wl.no_grad():
        assert not wl.is_grad_enabled() and not (x * 2).requires_grad
        with wl.enable_grad():
            assert (x * 2).requires_grad
            with wl.set_grad_enabled(False):
                assert not (x * 2).requires_grad
            assert wl.is_grad_enabled()
        assert not wl.is_grad_enabled()
    assert wl.is_grad_enabled() and (x * 2).requires_grad


def test_grad_modes_restore_on_exceptions():
    with pytest.raises(ValueError), wl.no_grad():
        raise ValueError
    assert wl.is_grad_enabled()


def test_grad_modes_as_decorators():
    x = wl.ones(2, requires_grad=True)

    @wl.no_grad()
    def f():
        return (x * 2).requires_grad

    @wl.no_grad
    def f_bare():
        return wl.is_grad_enabled()

    @wl.enable_grad()
    def g():
        return (x * 2).requires_grad

    @wl.set_grad_enabled(False)
    def h():
        return wl.is_grad_enabled()

    assert wl.is_grad_enabled()  # decorating does not change the mode
    assert f() is False and f_bare() is False and h() is False
    assert f.__name__ == "f" and wl.is_grad_enabled()
    with wl.no_grad():
        assert g() is True and not wl.is_grad_enabled()


def test_set_grad_enabled_as_plain_call():
    x = wl.ones(2, requires_grad=True)
    try:
        wl.set_grad_enabled(False)
        assert not wl.is_grad_enabled() and not (x * 2).requires_grad
        wl.set_grad_enabled(True)
        assert (x * 2).requires_grad
    finally:
        wl.set_grad_enabled(True)


def test_detach_cuts_the_graph():
    x, tx = pair(POINTS)
    for a in (x, tx):
        y = a * a
        (y.detach() * a).sum().backward()
    close(x.grad, tx.grad)
    np.testing.assert_allclose(x.grad.numpy(), np.square(POINTS))


# --- autograd.grad ----------------------------------------------------------------------------
def test_grad_returns_and_leaves_dot_grad_alone():
    x, tx = pair(POINTS)
    y, ty = pair([2.0, 1.0, 0.5, 3.0])
    gs = wl.autograd.grad((x.sin() * y).sum(), [x, y])
    tgs = torch.autograd.grad((tx.sin() * ty).sum(), [tx, ty])
    for a, b in zip(gs, tgs):
        close(a, b)
    assert x.grad is None and y.grad is None
    assert not gs[0].requires_grad


def test_grad_outputs_allow_unused_and_non_leaf_inputs():
    x, tx = pair(POINTS)
    u, tu = pair([1.0])
    v = [0.5, -1.0, 2.0, 1.0]
    mid, tmid = x * 3, tx * 3
    g = wl.autograd.grad(mid.exp(), [x, u, mid], grad_outputs=wl.tensor(v, dtype=wl.float64),
                         allow_unused=True)
    tg = torch.autograd.grad(tmid.exp(), [tx, tu, tmid],
                             grad_outputs=torch.tensor(v, dtype=torch.float64), allow_unused=True)
    close(g[0], tg[0])
    close(g[2], tg[2])
    assert g[1] is None and tg[1] is None
    with pytest.raises(RuntimeError, match="allow_unused"):
        wl.autograd.grad((x * 2).sum(), [x, u])
    zeros = wl.autograd.grad((x * 2).sum(), [x, u], materialize_grads=True)[1]
    assert zeros.tolist() == [0.0]
    with pytest.raises(RuntimeError, match="does not require grad"):
        wl.autograd.grad((x * 2).sum(), wl.ones(1))


@pytest.mark.parametrize("fn", ["cube", "sin"])
def test_second_and_third_derivatives_match_torch(fn):
    f = {"cube": lambda a: a ** 3, "sin": lambda a: a.sin()}[fn]
    x, tx = pair(POINTS)
    d, td = f(x).sum(), f(tx).sum()
    for order in range(3):
        last = order == 2
        (d,) = wl.autograd.grad(d, x, create_graph=not last)
        (td,) = torch.autograd.grad(td, tx, create_graph=not last)
        close(d, td)
        assert d.requires_grad is (not last)
        d, td = d.sum(), td.sum()


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")
def test_create_graph_backward_gives_a_differentiable_grad():
    x, tx = pair(POINTS)
    for a in (x, tx):
        (a.sin() * a * a).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    close(x.grad, tx.grad)
    (gg,) = wl.autograd.grad((x.grad * x.grad).sum(), x)
    (tgg,) = torch.autograd.grad((tx.grad * tx.grad).sum(), tx)
    close(gg, tgg)


def test_mixed_reverse_over_matmul_and_reductions_matches_torch():
    rng = np.random.default_rng(0)
    w0, b0 = rng.standard_normal((3, 4)), rng.standard_normal(4)
    xs = rng.standard_normal((5, 3))
    w, tw = pair(w0.tolist())
    b, tb = pair(b0.tolist())
    x, tx = pair(xs.tolist(), requires_grad=False)
    ((x @ w + b).tanh() ** 2).mean().backward()
    ((tx @ tw + tb).tanh() ** 2).mean().backward()
    close(w.grad, tw.grad)
    close(b.grad, tb.grad)


def test_grad_ignores_a_freed_branch_it_does_not_need():
    a = wl.tensor([1.0, 2.0], requires_grad=True)
    b = wl.tensor([3.0, 4.0], requires_grad=True)
    freed = (b * b).sum()
    kept = (a * a).sum()
    total = freed + kept
    freed.backward()  # frees b * b, which total also reads
    (ga,) = wl.autograd.grad(total, a)
    np.testing.assert_allclose(ga.numpy(), [2.0, 4.0])
    with pytest.raises(RuntimeError, match="second time"):
        wl.autograd.grad(total, b)
