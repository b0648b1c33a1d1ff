"""checkpoint: the same values and gradients as running the block directly (arguments and the
weights it closes over), recomputation in backward, random numbers replayed, higher order,
composition with vmap and jvp, and a clear drop in peak memory for a deep stack."""
import gc
import tracemalloc

import numpy as np
import pytest

import wonderland as wl
from wonderland import func as wf
from wonderland.autodiff.checkpoint import checkpoint
from wonderland.core.primitive import _observers


def weights(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return wl.tensor(rng.normal(size=shape) / np.sqrt(shape[0]), requires_grad=True)


W1, W2 = weights(6, 8), weights(8, 6, seed=1)
B1 = wl.tensor(np.linspace(-0.5, 0.5, 8), requires_grad=True)


def block(h):
    """A small MLP block that reads its weights from the closure."""
    return wl.tanh(wl.tanh(h @ W1 + B1) @ W2) + h


def fresh_input(seed=2):
    return wl.tensor(np.random.default_rng(seed).normal(size=(5, 6)), requires_grad=True)


def grads_of(loss_fn, *leaves):
    for t in leaves:
        t.grad = None
    loss_fn().backward()
    return [t.grad.numpy().copy() for t in leaves]


def assert_same(got, want):
    """Equal up to the order in which a weight's contributions were summed."""
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-13, atol=1e-15)


@pytest.fixture(autouse=True)
def _clear_grads():
    yield
    for t in (W1, W2, B1):
        t.grad = None


def test_values_and_gradients_match_the_plain_block():
    x = fresh_input()
    y_plain, y_ck = block(block(x)), checkpoint(block, checkpoint(block, x))
    np.testing.assert_array_equal(y_ck.detach().numpy(), y_plain.detach().numpy())
    leaves = (x, W1, W2, B1)
    want = grads_of(lambda: (block(block(x)) ** 2).sum(), *leaves)
    got = grads_of(lambda: (checkpoint(block, checkpoint(block, x)) ** 2).sum(), *leaves)
    np.testing.assert_array_equal(got[0], want[0])  # the argument's gradient: bit for bit
    assert_same(got[1:], want[1:])
    assert all(np.abs(g).sum() > 0 for g in got)


def test_one_tape_entry_reading_the_argument_and_closure_weights():
    x = fresh_input()
    y = checkpoint(block, x)
    assert y.grad_fn.name == "checkpoint(block)"
    ids = {id(t) for t in y._node.inputs}
    assert ids == {id(x), id(W1), id(W2), id(B1)}


def test_weights_used_inside_and_outside_accumulate():
    x = fresh_input()
    leaves = (x, W1, B1)
    want = grads_of(lambda: block(x).sum() + (W1 * W1).sum() + (x @ W1).sum(), *leaves)
    got = grads_of(lambda: checkpoint(block, x).sum() + (W1 * W1).sum() + (x @ W1).sum(),
                   *leaves)
    assert_same(got, want)


def test_autograd_grad_reaches_closure_weights_without_touching_dot_grad():
    x = fresh_input()
    want = wl.autograd.grad(block(x).sum(), [W2, x])
    got = wl.autograd.grad(checkpoint(block, x).sum(), [W2, x])
    assert_same([g.numpy() for g in got], [g.numpy() for g in want])
    assert W2.grad is None and x.grad is None


def test_block_runs_again_in_backward_and_not_on_the_tape_in_forward():
    calls = []

    def counted(h):
        calls.append(wl.is_grad_enabled())
        return block(h)

    x = fresh_input()
    names = []
    hook = lambda prim, xs: names.append(prim.name)  # noqa: E731
    y = checkpoint(counted, x).sum()
    assert calls == [False]  # forward: no tape
    _observers.append(hook)
    try:
        y.backward()
    finally:
        _observers.remove(hook)
    assert calls == [False, True]  # backward: recomputed on the tape
    assert names.count("Tanh") == 2  # the block's two tanh, run once more


def test_several_outputs_and_non_tensor_arguments():
    def two(h, scale, tag):
        assert tag == "t"
        return h * scale, (h @ W1).sum(1)

    x = fresh_input()
    loss = lambda out: (out[0] ** 2).sum() + out[1].sum()  # noqa: E731
    want = grads_of(lambda: loss(two(x, 3.0, "t")), x, W1)
    got = grads_of(lambda: loss(checkpoint(two, x, 3.0, "t")), x, W1)
    assert_same(got, want)


def test_random_numbers_are_replayed_in_the_recomputation():
    def dropout(h):
        return h * (wl.rand_like(h) > 0.5) * 2.0

    x = fresh_input()
    wl.manual_seed(5)
    want = grads_of(lambda: (dropout(x) @ W2.T).sum(), x)
    wl.manual_seed(5)
    got = grads_of(lambda: (checkpoint(dropout, x) @ W2.T).sum(), x)
    np.testing.assert_array_equal(got[0], want[0])
    wl.manual_seed(5)
    other = grads_of(lambda: (checkpoint(dropout, x, preserve_rng_state=False) @ W2.T).sum(),
                     x)
    assert not np.array_equal(other[0], want[0])  # (a test that can fail)


def test_grad_of_grad_through_checkpoint():
    x = fresh_input()

    def second(f):
        (g,) = wl.autograd.grad(f(x).sum(), x, create_graph=True)
        return [h.numpy() for h in wl.autograd.grad((g * g).sum(), [x, W1])]

    assert_same(second(lambda x: checkpoint(block, x)), second(block))


def test_no_grad_and_forward_mode_just_run_the_block():
    x = fresh_input()
    with wl.no_grad():
        y = checkpoint(block, x)
    assert y.grad_fn is None
    t = wl.ones_like(x)
    _, ty = wl.autograd.jvp(lambda x: checkpoint(block, x), (x.detach(),), (t,))
    _, want = wl.autograd.jvp(block, (x.detach(),), (t,))
    np.testing.assert_allclose(ty.detach().numpy(), want.detach().numpy(), rtol=1e-13)


@pytest.mark.parametrize("transform", ["grad_vmap", "vmap_grad", "hessian_vmap"])
def test_composes_with_vmap(transform):
    xs = fresh_input().detach()
    per_row = lambda f: lambda v: f(v[None])[0].sum()  # noqa: E731
    run = {
        "grad_vmap": lambda f: wf.grad(lambda x: wf.vmap(per_row(f))(x).sum())(xs),
        "vmap_grad": lambda f: wf.vmap(wf.grad(per_row(f)))(xs),
        "hessian_vmap": lambda f: wf.hessian(lambda x: wf.vmap(per_row(f))(x).sum())(xs[:2]),
    }[transform]
    got = run(lambda h: checkpoint(block, h))
    want = run(block)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12,
                               atol=1e-14)


def test_weights_gradient_through_vmap_of_checkpoint():
    xs = fresh_input().detach()
    want = grads_of(lambda: wf.vmap(block)(xs).sum(), W1, B1)
    got = grads_of(lambda: wf.vmap(lambda h: checkpoint(block, h))(xs).sum(), W1, B1)
    assert_same(got, want)


def test_peak_memory_of_a_deep_stack_drops():
    """40 layers of tanh(h @ W); checkpointing each block of 10 keeps 4 block outputs and one
    recomputed block instead of all 40 layers' activations."""
    n, layers, per_block = 256, 40, 10
    w = weights(n, n)

    def ten(h):
        for _ in range(per_block):
            h = wl.tanh(h @ w)
        return h

    def peak(use_checkpoint: bool):
        x = wl.tensor(np.random.default_rng(3).normal(size=(n, n)), requires_grad=True)
        w.grad = None
        gc.collect()
        tracemalloc.start()
        try:
            h = x
            for _ in range(layers // per_block):
                h = checkpoint(ten, h) if use_checkpoint else ten(h)
            h.sum().backward()
            return tracemalloc.get_traced_memory()[1], x.grad.numpy(), w.grad.numpy()
        finally:
            tracemalloc.stop()

    plain, ck = peak(False), peak(True)
    np.testing.assert_array_equal(ck[1], plain[1])
    np.testing.assert_allclose(ck[2], plain[2], rtol=1e-12, atol=1e-13 * np.abs(plain[2]).max())
    activation = n * n * 8
    assert plain[0] > 2 * layers * activation * 0.9  # every layer kept two arrays
    assert ck[0] < 0.5 * plain[0], (ck[0], plain[0])
