"""The Optimizer base: parameter groups, argument errors, zero_grad, skipping parameters without
a gradient, step(closure), in-place updates and exact resumption from a state_dict."""
from __future__ import annotations

import numpy as np
import pytest

import wonderland as wl
import wonderland.optim as optim
from wonderland.nn import functional as F


def _model(seed: int = 0):
    wl.manual_seed(seed)
    return wl.nn.Sequential(wl.nn.Linear(4, 6), wl.nn.Tanh(), wl.nn.Linear(6, 2)).double()


def _data():
    rng = np.random.default_rng(7)
    return wl.tensor(rng.standard_normal((12, 4))), wl.tensor(rng.standard_normal((12, 2)))


def _train(model, opt, steps: int) -> None:
    x, y = _data()
    for _ in range(steps):
        opt.zero_grad()
        F.mse_loss(model(x), y).backward()
        opt.step()


def _values(model) -> dict:
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def _copy(obj):
    """A copy of a state dict sharing no memory with it (as if written to disk and read back)."""
    if isinstance(obj, wl.Tensor):
        return wl.tensor(obj.numpy().copy())
    if isinstance(obj, dict):
        return {k: _copy(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_copy(v) for v in obj)
    return obj


# --- parameter groups -----------------------------------------------------------------------

def test_groups_take_their_own_options_and_defaults_for_the_rest():
    model = _model()
    first, second = list(model[0].parameters()), list(model[2].parameters())
    opt = optim.SGD([{"params": first}, {"params": second, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.9]
    before = _values(model)
    x, y = _data()
    F.mse_loss(model(x), y).backward()
    grads = {k: p.grad.numpy().copy() for k, p in model.named_parameters()}
    opt.step()
    after = _values(model)
    for k in before:
        lr = 0.1 if k.startswith("0.") else 0.5
        np.testing.assert_allclose(after[k], before[k] - lr * grads[k], rtol=0, atol=1e-15)


def test_add_param_group():
    model = _model()
    opt = optim.Adagrad(model[0].parameters(), lr=0.1)
    opt.add_param_group({"params": model[2].parameters(), "lr": 0.01})
    assert len(opt.param_groups) == 2
    assert opt.param_groups[1]["lr"] == 0.01
    assert opt.param_groups[1]["eps"] == opt.defaults["eps"]
    before = _values(model)
    _train(model, opt, 1)
    after = _values(model)
    assert all(not np.array_equal(before[k], after[k]) for k in before)


def test_a_single_tensor_is_accepted_as_a_group():
    w = wl.tensor([1.0, 2.0], dtype=wl.float64, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    opt.add_param_group({"params": wl.tensor([3.0], dtype=wl.float64, requires_grad=True)})
    assert [len(g["params"]) for g in opt.param_groups] == [1, 1]


# --- argument errors ------------------------------------------------------------------------

def test_unknown_option():
    with pytest.raises(TypeError, match="unknown options"):
        optim.SGD([{"params": _model().parameters(), "betas": (0.9, 0.99)}], lr=0.1)


def test_non_tensor_parameter():
    with pytest.raises(TypeError, match="must be tensors"):
        optim.SGD([np.zeros(3)], lr=0.1)


def test_parameter_in_two_groups():
    model = _model()
    with pytest.raises(ValueError, match="appears twice"):
        optim.SGD([{"params": model.parameters()}, {"params": [model[0].weight]}], lr=0.1)
    opt = optim.SGD(model[0].parameters(), lr=0.1)
    with pytest.raises(ValueError, match="appears twice"):
        opt.add_param_group({"params": [model[0].bias]})


def test_parameter_twice_in_one_group():
    w = wl.tensor([1.0], dtype=wl.float64, requires_grad=True)
    with pytest.raises(ValueError, match="appears twice"):
        optim.SGD([w, w], lr=0.1)


def test_non_leaf_tensors_are_refused():
    w = wl.tensor([1.0], dtype=wl.float64, requires_grad=True)
    with pytest.raises(ValueError, match="leaf tensors"):
        optim.SGD([w * 2], lr=0.1)


def test_parameter_without_requires_grad():
    with pytest.raises(ValueError, match="does not require grad"):
        optim.SGD([wl.tensor([1.0, 2.0])], lr=0.1)


def test_empty_parameter_list():
    with pytest.raises(ValueError, match="empty"):
        optim.Adamax([], lr=0.1)


@pytest.mark.parametrize("cls, kwargs", [
    (optim.SGD, dict(lr=-1.0)), (optim.SGD, dict(lr=0.1, nesterov=True)),
    (optim.Adagrad, dict(lr_decay=-0.1)), (optim.Adagrad, dict(initial_accumulator_value=-1)),
    (optim.RMSprop, dict(alpha=-0.5)), (optim.RMSprop, dict(momentum=-0.1)),
    (optim.Adadelta, dict(rho=1.5)), (optim.Adadelta, dict(eps=-1e-6)),
    (optim.Adamax, dict(betas=(1.0, 0.999))), (optim.Adamax, dict(betas=(0.9, -0.1))),
])
def test_invalid_hyperparameters(cls, kwargs):
    with pytest.raises(ValueError):
        cls(_model().parameters(), **kwargs)


# --- zero_grad, skipping, closure -----------------------------------------------------------

@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    x, y = _data()
    F.mse_loss(model(x), y).backward()
    opt.zero_grad(set_to_none=set_to_none)
    for p in model.parameters():
        if set_to_none:
            assert p.grad is None
        else:
            assert p.grad.shape == p.shape and not np.any(p.grad.numpy())


@pytest.mark.parametrize("cls, kwargs", [
    (optim.SGD, dict(lr=0.1, momentum=0.9)), (optim.Adagrad, {}),
    (optim.RMSprop, dict(momentum=0.9, centered=True)), (optim.Adadelta, {}), (optim.Adamax, {}),
])
def test_parameters_without_grad_are_skipped(cls, kwargs):
    model = _model()
    extra = wl.nn.Parameter(wl.ones(3, dtype=wl.float64))  # never used by the loss
    opt = cls([*model.parameters(), extra], **kwargs)
    _train(model, opt, 3)
    assert extra.grad is None
    np.testing.assert_array_equal(extra.detach().numpy(), np.ones(3))
    assert id(extra) not in opt.state
    assert 4 not in opt.state_dict()["state"]


def test_step_with_closure_returns_the_loss():
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    x, y = _data()
    calls = []

    def closure():
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()  # the closure runs with gradients on, though step() does not record
        calls.append(loss.item())
        return loss

    loss = opt.step(closure)
    assert calls and loss.item() == calls[0]
    assert opt.step() is None
    assert opt.step(closure).item() < calls[0]


def test_updates_are_in_place():
    model = _model()
    params = list(model.parameters())
    opt = optim.RMSprop(model.parameters(), momentum=0.9)
    before = _values(model)
    _train(model, opt, 2)
    assert all(a is b for a, b in zip(params, model.parameters()))
    assert all(a is b for a, b in zip(params, opt.param_groups[0]["params"]))
    assert all(not np.array_equal(before[k], v) for k, v in _values(model).items())
    assert all(p.requires_grad and p.is_leaf for p in model.parameters())


# --- saving and resuming --------------------------------------------------------------------

# (name, optimizer class, options): each must resume exactly from its state_dict
RESUME_CASES = [
    ("sgd-momentum", optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("adagrad", optim.Adagrad, dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    ("rmsprop-centered-momentum", optim.RMSprop,
     dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.01)),
    ("adadelta", optim.Adadelta, dict(lr=0.5)),
    ("adamax", optim.Adamax, dict(lr=0.01, weight_decay=0.01)),
]


def _groups(model):
    """Two groups with different options, so group options must be restored too."""
    return [{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 0.003}]


@pytest.mark.parametrize("name, cls, kwargs", RESUME_CASES, ids=[c[0] for c in RESUME_CASES])
def test_resume_from_state_dict_is_exact(name, cls, kwargs):
    model = _model()
    opt = cls(_groups(model), **kwargs)
    _train(model, opt, 10)
    saved_opt, saved_model = _copy(opt.state_dict()), _copy(model.state_dict())
    _train(model, opt, 10)
    reference = _values(model)

    fresh = _model(seed=1)  # other weights: everything must come from the saved state
    fresh.load_state_dict(saved_model)
    fresh_opt = cls(_groups(fresh), **{**kwargs, "lr": 123.0})  # options come from the state
    fresh_opt.load_state_dict(saved_opt)
    assert [g["lr"] for g in fresh_opt.param_groups] == [g["lr"] for g in opt.param_groups]
    _train(fresh, fresh_opt, 10)
    for k, v in _values(fresh).items():
        assert np.array_equal(v, reference[k]), f"{name}: {k} differs after resuming"


@pytest.mark.parametrize("name, cls, kwargs", RESUME_CASES, ids=[c[0] for c in RESUME_CASES])
def test_state_dict_is_a_snapshot(name, cls, kwargs):
    """Steps taken after state_dict() do not change what it returned."""
    model = _model()
    opt = cls(model.parameters(), **kwargs)
    _train(model, opt, 2)
    sd = opt.state_dict()
    frozen = _copy(sd)
    _train(model, opt, 2)
    assert sorted(sd["state"]) == list(range(4))
    for i, s in frozen["state"].items():
        for k, v in s.items():
            now = sd["state"][i][k]
            same = (np.array_equal(v.numpy(), now.numpy()) if isinstance(v, wl.Tensor)
                    else v == now)
            assert same, f"{name}: state[{i}][{k!r}] changed after later steps"


def test_load_state_dict_group_mismatch():
    model = _model()
    two = optim.SGD(_groups(model), lr=0.1)
    one = optim.SGD(_model().parameters(), lr=0.1)
    with pytest.raises(ValueError, match="do not match"):
        one.load_state_dict(two.state_dict())
    with pytest.raises(ValueError, match="do not match"):
        two.load_state_dict(one.state_dict())
