"""Every optimizer that PyTorch has, against torch.optim: 30 steps on the same small model (a
2-layer tanh MLP, float64, MSE on fixed random data) from identical weights must end at the same
parameters (relative deviation < 1e-10). Add an optimizer by adding rows to CASES."""
from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

import wonderland as wl
import wonderland.optim as optim

TOL = 1e-10
SIZES = (5, 7, 3)  # inputs, hidden units, outputs
N_SAMPLES = 16


def _problem():
    """Fixed data and initial weights (NumPy, float64), the same for every run."""
    rng = np.random.default_rng(1234)
    x = rng.standard_normal((N_SAMPLES, SIZES[0]))
    y = rng.standard_normal((N_SAMPLES, SIZES[2]))
    weights = {"0.weight": rng.standard_normal((SIZES[1], SIZES[0])) * 0.5,
               "0.bias": rng.standard_normal(SIZES[1]) * 0.1,
               "2.weight": rng.standard_normal((SIZES[2], SIZES[1])) * 0.5,
               "2.bias": rng.standard_normal(SIZES[2]) * 0.1}
    return x, y, weights


def wl_model(weights: dict):
    model = wl.nn.Sequential(wl.nn.Linear(SIZES[0], SIZES[1]), wl.nn.Tanh(),
                             wl.nn.Linear(SIZES[1], SIZES[2])).double()
    model.load_state_dict({k: wl.tensor(v.copy()) for k, v in weights.items()})
    return model


def torch_model(weights: dict):
    model = torch.nn.Sequential(torch.nn.Linear(SIZES[0], SIZES[1]), torch.nn.Tanh(),
                                torch.nn.Linear(SIZES[1], SIZES[2])).double()
    model.load_state_dict({k: torch.tensor(v.copy()) for k, v in weights.items()})
    return model


def _groups(model, kwargs: dict, torch_cls, groups):
    """All parameters in one group, or (groups=True or a dict of overrides) the first layer in
    one group with `kwargs` and the second layer in another with a halved lr and a different
    weight decay (or the given overrides)."""
    params = list(model.parameters())
    if not groups:
        return params
    if groups is True:
        lr = kwargs.get("lr", inspect.signature(torch_cls).parameters["lr"].default)
        groups = {"lr": 0.5 * float(lr), "weight_decay": 0.03}
    return [{"params": params[:2]}, {"params": params[2:], **groups}]


def run_both(wl_cls, torch_cls, kwargs: dict, steps: int = 30, groups=False) -> float:
    """Train the same model with both optimizers (step(closure), so closure-based optimizers such
    as L-BFGS fit too); the largest over parameters of max|wl - torch| / max|torch|.

    torch keeps scalar optimizer state (NAdam's mu_product, step counts) in its default dtype:
    it is set to float64 here so that the reference is float64 throughout."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        return _run_both(wl_cls, torch_cls, kwargs, steps, groups)
    finally:
        torch.set_default_dtype(old)


def _run_both(wl_cls, torch_cls, kwargs: dict, steps: int, groups) -> float:
    x, y, weights = _problem()

    m1, x1, y1 = wl_model(weights), wl.tensor(x), wl.tensor(y)
    opt1 = wl_cls(_groups(m1, kwargs, torch_cls, groups), **kwargs)

    def closure1():
        opt1.zero_grad()
        loss = wl.nn.functional.mse_loss(m1(x1), y1)
        loss.backward()
        return loss

    m2, x2, y2 = torch_model(weights), torch.tensor(x), torch.tensor(y)
    opt2 = torch_cls(_groups(m2, kwargs, torch_cls, groups), **kwargs)

    def closure2():
        opt2.zero_grad()
        loss = torch.nn.functional.mse_loss(m2(x2), y2)
        loss.backward()
        return loss

    for _ in range(steps):
        opt1.step(closure1)
        opt2.step(closure2)
    worst = 0.0
    for a, b in zip(m1.parameters(), m2.parameters()):
        a, b = a.detach().numpy(), b.detach().numpy()
        worst = max(worst, float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)))
    return worst


# (name, wonderland class, torch class, keyword arguments given to both)
CASES = [
    ("sgd", optim.SGD, torch.optim.SGD, dict(lr=0.1)),
    ("sgd-momentum", optim.SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9)),
    ("sgd-dampening", optim.SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.8, dampening=0.3)),
    ("sgd-nesterov", optim.SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("sgd-wd", optim.SGD, torch.optim.SGD, dict(lr=0.1, momentum=0.5, weight_decay=0.1)),
    ("sgd-maximize", optim.SGD, torch.optim.SGD,
     dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.01, maximize=True)),
    ("adagrad", optim.Adagrad, torch.optim.Adagrad, dict(lr=0.1)),
    ("adagrad-all", optim.Adagrad, torch.optim.Adagrad,
     dict(lr=0.1, lr_decay=0.05, weight_decay=0.02, initial_accumulator_value=0.3, eps=1e-6)),
    ("adagrad-maximize", optim.Adagrad, torch.optim.Adagrad,
     dict(lr=0.01, weight_decay=0.01, maximize=True)),
    ("rmsprop", optim.RMSprop, torch.optim.RMSprop, dict(lr=0.01)),
    ("rmsprop-alpha-eps-wd", optim.RMSprop, torch.optim.RMSprop,
     dict(lr=0.005, alpha=0.9, eps=1e-4, weight_decay=0.05)),
    ("rmsprop-momentum", optim.RMSprop, torch.optim.RMSprop, dict(lr=0.005, momentum=0.9)),
    ("rmsprop-centered", optim.RMSprop, torch.optim.RMSprop, dict(lr=0.005, centered=True)),
    ("rmsprop-centered-momentum", optim.RMSprop, torch.optim.RMSprop,
     dict(lr=0.003, alpha=0.95, momentum=0.8, centered=True, weight_decay=0.01)),
    ("rmsprop-maximize", optim.RMSprop, torch.optim.RMSprop,
     dict(lr=0.001, momentum=0.5, centered=True, maximize=True)),
    ("adadelta", optim.Adadelta, torch.optim.Adadelta, dict()),
    ("adadelta-all", optim.Adadelta, torch.optim.Adadelta,
     dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.05)),
    ("adadelta-maximize", optim.Adadelta, torch.optim.Adadelta,
     dict(lr=0.1, weight_decay=0.01, maximize=True)),
    ("adamax", optim.Adamax, torch.optim.Adamax, dict(lr=0.01)),
    ("adamax-all", optim.Adamax, torch.optim.Adamax,
     dict(lr=0.02, betas=(0.8, 0.95), eps=1e-4, weight_decay=0.05)),
    ("adamax-maximize", optim.Adamax, torch.optim.Adamax,
     dict(lr=0.005, weight_decay=0.01, maximize=True)),
]

# the same optimizers with two parameter groups (different lr and weight decay)
GROUP_CASES = [
    ("sgd-groups", optim.SGD, torch.optim.SGD, dict(lr=0.1, momentum=0.9)),
    ("adagrad-groups", optim.Adagrad, torch.optim.Adagrad, dict(lr=0.1, lr_decay=0.01)),
    ("rmsprop-groups", optim.RMSprop, torch.optim.RMSprop,
     dict(lr=0.005, momentum=0.5, centered=True)),
    ("adadelta-groups", optim.Adadelta, torch.optim.Adadelta, dict(lr=0.5)),
    ("adamax-groups", optim.Adamax, torch.optim.Adamax, dict(lr=0.01)),
]


def torch_match_tests(cases: list, group_cases: list) -> tuple:
    """The two parametrized tests over lists of (name, wl_cls, torch_cls, kwargs): one group,
    and two groups. Other optimizer test files bind them to module names to be collected."""

    @pytest.mark.parametrize("name, wl_cls, torch_cls, kwargs", cases,
                             ids=[c[0] for c in cases])
    def test_matches_torch(name, wl_cls, torch_cls, kwargs):
        dev = run_both(wl_cls, torch_cls, kwargs)
        assert dev < TOL, f"{name} {kwargs}: max relative deviation from torch {dev:.3e}"

    @pytest.mark.parametrize("name, wl_cls, torch_cls, kwargs", group_cases,
                             ids=[c[0] for c in group_cases])
    def test_matches_torch_with_groups(name, wl_cls, torch_cls, kwargs):
        dev = run_both(wl_cls, torch_cls, kwargs, groups=True)
        assert dev < TOL, (f"{name} {kwargs} (2 groups): max relative deviation from torch "
                           f"{dev:.3e}")

    return test_matches_torch, test_matches_torch_with_groups


test_matches_torch, test_matches_torch_with_groups = torch_match_tests(CASES, GROUP_CASES)


def test_training_moves_the_parameters():
    """The comparison is not vacuous: 30 steps change the weights well beyond the tolerance."""
    x, y, weights = _problem()
    m = wl_model(weights)
    opt = optim.SGD(m.parameters(), lr=0.1)
    for _ in range(30):
        opt.zero_grad()
        wl.nn.functional.mse_loss(m(wl.tensor(x)), wl.tensor(y)).backward()
        opt.step()
    moved = max(float(np.max(np.abs(p.detach().numpy() - weights[k])))
                for k, p in m.state_dict().items())
    assert moved > 1e-3
