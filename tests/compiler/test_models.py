"""wl.compile on whole training steps: the MLP, CNN, GPT and GRU of `wonderland bench`, each
step written as a function that returns the loss and the new parameters (wl.func.grad through
functional_call, then SGD's arithmetic), run for three steps compiled and eagerly from the same
start: the same losses and parameters, bit for bit. Then what the trace refuses, with why."""
from __future__ import annotations

import numpy as np
import pytest

import wonderland as wl
import wonderland.nn.functional as F
from wonderland.bench.workloads import models
from wonderland.func import functional_call, value_and_grad

LIB = models.library("wonderland")
rng = np.random.default_rng(0)
MODELS = {
    "mlp": (lambda: models.mlp(LIB, (20, 16, 16, 4)),
            lambda: (wl.tensor(rng.normal(size=(8, 20)).astype(np.float32)),
                     wl.tensor(rng.integers(0, 4, 8)))),
    "cnn": (lambda: models.cnn(LIB, 4, 6, classes=4),
            lambda: (wl.tensor(rng.normal(size=(3, 1, 28, 28)).astype(np.float32)),
                     wl.tensor(rng.integers(0, 4, 3)))),
    "gpt": (lambda: models.gpt(LIB, vocab=11, d=16, heads=2, layers=2, seq=8),
            lambda: (wl.tensor(rng.integers(0, 11, (2, 8))),
                     wl.tensor(rng.integers(0, 11, (2, 8))))),
    "gru": (lambda: models.gru(LIB, input_size=5, hidden=8, classes=4),
            lambda: (wl.tensor(rng.normal(size=(3, 6, 5)).astype(np.float32)),
                     wl.tensor(rng.integers(0, 4, 3)))),
}


def _loss(model, params, x, y):
    out = functional_call(model, params, (x,))
    return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))


def _step_fn(model):
    def step(params, x, y):
        loss, grads = value_and_grad(lambda p: _loss(model, p, x, y))(params)
        return loss, {k: params[k] - 0.1 * grads[k] for k in params}
    return step


@pytest.mark.parametrize("name", sorted(MODELS))
def test_compiled_steps_equal_eager_steps(name):
    build, batch = MODELS[name]
    wl.manual_seed(0)
    model = build()
    step = _step_fn(model)
    compiled = wl.compile(step)
    start = {k: v.detach() for k, v in model.named_parameters()}
    eager_params, compiled_params = dict(start), dict(start)
    for _ in range(3):
        x, y = batch()
        eager_loss, eager_params = step(eager_params, x, y)
        compiled_loss, compiled_params = compiled(compiled_params, x, y)
        np.testing.assert_array_equal(np.asarray(compiled_loss), np.asarray(eager_loss))
        for k in start:
            np.testing.assert_array_equal(np.asarray(compiled_params[k]),
                                          np.asarray(eager_params[k]))
    assert compiled.explain()[0].endswith("primitives replayed"), compiled.explain()


def test_refusals_run_eagerly_and_say_why():
    x = wl.randn(4, 3)
    cases = {
        "reads a tensor's values": lambda t: t * 2 if float(t.sum()) > 0 else t * 3,
        "draws random numbers": lambda t: F.dropout(t, 0.5),
        "in place": lambda t: (t * 1).add_(1),
        "calls backward()": lambda t: _backward_inside(t),
    }
    for why, fn in cases.items():
        compiled = wl.compile(fn)
        results = []
        for call in (compiled, fn, compiled):  # the trace, eager, then the refused replay
            wl.manual_seed(3)
            results.append(np.asarray(call(x)))
        np.testing.assert_array_equal(results[0], results[1])
        np.testing.assert_array_equal(results[2], results[1])
        assert why in compiled.explain()[0], (why, compiled.explain())
    with pytest.raises(RuntimeError, match="cannot be traced: it draws random numbers"):
        wl.compile(lambda t: F.dropout(t, 0.5), fullgraph=True)(x)


def _backward_inside(t):
    w = t.detach().requires_grad_()
    (w * w).sum().backward()
    return w.grad


def test_optimizer_step_inside_is_refused():
    model = wl.nn.Linear(3, 2)
    opt = wl.optim.SGD(model.parameters(), lr=0.1)

    def step(x):
        grads = wl.func.grad(lambda p: functional_call(model, p, (x,)).sum())(
            dict(model.named_parameters()))
        with wl.no_grad():
            for name, p in model.named_parameters():
                p.grad = grads[name]
        opt.step()
        return grads["weight"]

    compiled = wl.compile(step)
    compiled(wl.randn(5, 3))
    assert "did not create" in compiled.explain()[0] or "in place" in compiled.explain()[0]


def test_signatures_each_get_a_plan_and_parameters_are_read_afresh():
    lin = wl.nn.Linear(3, 2)
    compiled = wl.compile(lambda x: lin(x))
    with wl.no_grad():
        a, b = wl.randn(4, 3), wl.randn(7, 3)
        for x in (a, b, a):
            np.testing.assert_array_equal(np.asarray(compiled(x)), np.asarray(lin(x)))
        assert len(compiled.explain()) == 2
        lin.weight.mul_(2)  # a parameter changed in place: the replay reads its new values
        np.testing.assert_array_equal(np.asarray(compiled(a)), np.asarray(lin(a)))
    assert wl.compile(disable=True)(len) is len
    with pytest.raises(ValueError, match="backend 'inductor'"):
        wl.compile(len, backend="inductor")


def test_outputs_needing_gradients_run_eagerly():
    lin = wl.nn.Linear(3, 2)
    compiled = wl.compile(lambda x: lin(x).sum())
    out = compiled(wl.randn(4, 3))
    out.backward()  # the eager result keeps its tape
    assert lin.weight.grad is not None
    assert "need gradients" in compiled.explain()[0]
