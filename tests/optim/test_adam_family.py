"""Adam, AdamW, NAdam, NAdamW, RAdam and Adafactor against torch.optim (30 steps of the shared
harness, float64, every option, one and two parameter groups), exact resumption from a
state_dict, PyTorch's argument validation, NAdamW against a transcription of its paper update,
and convergence of Adam on a convex quadratic."""
from __future__ import annotations

import copy
import functools

import numpy as np
import pytest
import torch

import wonderland as wl
import wonderland.optim as optim

from .test_torch_match import TOL, _problem, torch_match_tests, wl_model

# torch's NAdamW is NAdam(decoupled_weight_decay=True); NAdamW's weight_decay defaults to 1e-2
TorchNAdamW = functools.partial(torch.optim.NAdam, decoupled_weight_decay=True, weight_decay=1e-2)
T = torch.optim

# (name, wonderland class, torch class, keyword arguments given to both)
CASES = [
    ("adam", optim.Adam, T.Adam, dict(lr=0.01)),
    ("adam-defaults", optim.Adam, T.Adam, dict()),
    ("adam-betas-eps", optim.Adam, T.Adam, dict(lr=0.02, betas=(0.8, 0.95), eps=1e-3)),
    ("adam-wd", optim.Adam, T.Adam, dict(lr=0.01, weight_decay=0.1)),
    ("adam-amsgrad", optim.Adam, T.Adam, dict(lr=0.01, amsgrad=True)),
    ("adam-maximize", optim.Adam, T.Adam, dict(lr=0.01, maximize=True)),
    ("adam-decoupled", optim.Adam, T.Adam,
     dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("adam-all", optim.Adam, T.Adam,
     dict(lr=0.01, betas=(0.85, 0.99), eps=1e-6, weight_decay=0.05, amsgrad=True,
          maximize=True)),
    ("adamw", optim.AdamW, T.AdamW, dict(lr=0.01)),
    ("adamw-defaults", optim.AdamW, T.AdamW, dict()),
    ("adamw-wd", optim.AdamW, T.AdamW, dict(lr=0.01, weight_decay=0.3, betas=(0.8, 0.9))),
    ("adamw-amsgrad", optim.AdamW, T.AdamW, dict(lr=0.01, amsgrad=True, eps=1e-4)),
    ("adamw-maximize", optim.AdamW, T.AdamW,
     dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("nadam", optim.NAdam, T.NAdam, dict(lr=0.01)),
    ("nadam-defaults", optim.NAdam, T.NAdam, dict()),
    ("nadam-momentum-decay", optim.NAdam, T.NAdam,
     dict(lr=0.01, momentum_decay=0.05, betas=(0.8, 0.95), eps=1e-4)),
    ("nadam-wd", optim.NAdam, T.NAdam, dict(lr=0.01, weight_decay=0.1)),
    ("nadam-decoupled", optim.NAdam, T.NAdam,
     dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("nadam-maximize", optim.NAdam, T.NAdam, dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("nadamw", optim.NAdamW, TorchNAdamW, dict(lr=0.01)),
    ("nadamw-defaults", optim.NAdamW, TorchNAdamW, dict()),
    ("nadamw-wd", optim.NAdamW, TorchNAdamW,
     dict(lr=0.01, weight_decay=0.3, momentum_decay=0.01, betas=(0.8, 0.95), eps=1e-5)),
    ("nadamw-maximize", optim.NAdamW, TorchNAdamW, dict(lr=0.01, maximize=True)),
    ("radam", optim.RAdam, T.RAdam, dict(lr=0.01)),
    ("radam-defaults", optim.RAdam, T.RAdam, dict()),
    ("radam-betas-eps", optim.RAdam, T.RAdam, dict(lr=0.02, betas=(0.8, 0.9), eps=1e-3)),
    # b2 <= 2/3 gives rho_inf <= 5: never rectified, momentum SGD on every step
    ("radam-unrectified", optim.RAdam, T.RAdam, dict(lr=0.01, betas=(0.9, 0.6))),
    ("radam-wd", optim.RAdam, T.RAdam, dict(lr=0.01, weight_decay=0.1)),
    ("radam-decoupled", optim.RAdam, T.RAdam,
     dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("radam-maximize", optim.RAdam, T.RAdam, dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("adafactor", optim.Adafactor, T.Adafactor, dict()),
    ("adafactor-lr", optim.Adafactor, T.Adafactor, dict(lr=0.5)),  # 1/sqrt(t) caps the step
    ("adafactor-beta2-decay", optim.Adafactor, T.Adafactor, dict(lr=0.02, beta2_decay=-0.5)),
    # eps1 large enough that clamping V at eps1^2 changes the result; eps2 floors RMS(p)
    ("adafactor-eps", optim.Adafactor, T.Adafactor, dict(lr=0.02, eps=(1e-2, 0.5))),
    ("adafactor-d", optim.Adafactor, T.Adafactor, dict(lr=0.05, d=1.5)),
    ("adafactor-wd", optim.Adafactor, T.Adafactor, dict(lr=0.02, weight_decay=0.5)),
    ("adafactor-maximize", optim.Adafactor, T.Adafactor,
     dict(lr=0.02, weight_decay=0.1, maximize=True)),
    ("adafactor-foreach", optim.Adafactor, T.Adafactor,
     dict(lr=0.02, weight_decay=0.1, foreach=True)),
]

# two parameter groups: the second with half the lr and its own weight decay
GROUP_CASES = [
    ("adam-groups", optim.Adam, T.Adam, dict(lr=0.01, amsgrad=True)),
    ("adamw-groups", optim.AdamW, T.AdamW, dict(lr=0.01)),
    ("nadam-groups", optim.NAdam, T.NAdam, dict(lr=0.01, weight_decay=0.01)),
    ("nadamw-groups", optim.NAdamW, TorchNAdamW, dict(lr=0.01)),
    ("radam-groups", optim.RAdam, T.RAdam, dict(lr=0.01, decoupled_weight_decay=True)),
    ("adafactor-groups", optim.Adafactor, T.Adafactor, dict(lr=0.02)),
]


test_matches_torch, test_matches_torch_with_groups = torch_match_tests(CASES, GROUP_CASES)


def test_adafactor_factors_the_last_two_dims():
    """A 3-d parameter (a batch of factored matrices) and a 0-d one, against torch."""
    rng = np.random.default_rng(7)
    inits = [rng.standard_normal((2, 3, 4)), np.array(0.7)]
    targets = [rng.standard_normal((2, 3, 4)), np.array(-1.3)]
    results = []
    for lib, cls in ((wl, optim.Adafactor), (torch, torch.optim.Adafactor)):
        ps = [lib.tensor(a.copy(), requires_grad=True) for a in inits]
        ts = [lib.tensor(a) for a in targets]
        opt = cls(ps, lr=0.05, weight_decay=0.1)
        for _ in range(30):
            opt.zero_grad()
            sum(((p - t) ** 4).sum() for p, t in zip(ps, ts)).backward()
            opt.step()
        results.append([p.detach().numpy() for p in ps])
    dev = max(np.max(np.abs(a - b)) / np.max(np.abs(b)) for a, b in zip(*results))
    assert dev < TOL, f"Adafactor on 3-d and 0-d parameters: max relative deviation {dev:.3e}"


# --- resuming from a state_dict -------------------------------------------------------------------
def _train(model, opt, x, y, steps):
    for _ in range(steps):
        opt.zero_grad()
        wl.nn.functional.mse_loss(model(x), y).backward()
        opt.step()


RESUME = [(optim.Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
          (optim.Adafactor, dict(lr=0.02, weight_decay=0.1)),
          (optim.AdamW, dict(lr=0.01, amsgrad=True)),
          (optim.NAdam, dict(lr=0.01)),
          (optim.NAdamW, dict(lr=0.01)),
          (optim.RAdam, dict(lr=0.01))]


@pytest.mark.parametrize("cls, kwargs", RESUME, ids=[c[0].__name__ for c in RESUME])
def test_resume_from_state_dict_is_exact(cls, kwargs):
    """10 steps, save model and optimizer, restore both into fresh objects, 20 more steps: the
    same bits as 30 uninterrupted steps."""
    x, y, weights = _problem()
    x, y = wl.tensor(x), wl.tensor(y)
    straight = wl_model(weights)
    _train(straight, cls(straight.parameters(), **kwargs), x, y, 30)

    first = wl_model(weights)
    opt = cls(first.parameters(), **kwargs)
    _train(first, opt, x, y, 10)
    # copies, as in PyTorch: state_dict() holds the live tensors, which the steps write into
    saved_model, saved_opt = copy.deepcopy(first.state_dict()), copy.deepcopy(opt.state_dict())
    live = first.state_dict()
    _train(first, opt, x, y, 5)
    assert all(np.array_equal(live[k].numpy(), p.detach().numpy())
               for k, p in first.named_parameters())

    resumed = wl_model({k: v.numpy() for k, v in saved_model.items()})
    opt2 = cls(resumed.parameters(), **kwargs)
    opt2.load_state_dict(saved_opt)
    _train(resumed, opt2, x, y, 20)
    for (k, a), b in zip(straight.state_dict().items(), resumed.parameters()):
        diff = float(np.max(np.abs(a.numpy() - b.detach().numpy())))
        assert diff == 0.0, f"{cls.__name__}: {k} differs by {diff:.3e} after resuming"


# --- validation, as in PyTorch -----------------------------------------------------------------
BAD = [(optim.Adam, T.Adam, dict(lr=-1.0)), (optim.Adam, T.Adam, dict(betas=(1.0, 0.999))),
       (optim.Adam, T.Adam, dict(betas=(0.9, -0.1))), (optim.Adam, T.Adam, dict(eps=-1e-8)),
       (optim.AdamW, T.AdamW, dict(weight_decay=-0.1)),
       (optim.NAdam, T.NAdam, dict(momentum_decay=-1.0)),
       (optim.NAdamW, TorchNAdamW, dict(betas=(0.9, 1.0))),
       (optim.RAdam, T.RAdam, dict(weight_decay=-1.0)),
       (optim.Adafactor, T.Adafactor, dict(beta2_decay=0.5)),
       (optim.Adafactor, T.Adafactor, dict(d=0.5)),
       (optim.Adafactor, T.Adafactor, dict(eps=(-1.0, 1e-3))),
       (optim.Adafactor, T.Adafactor, dict(eps=(None, -1e-3))),
       (optim.Adafactor, T.Adafactor, dict(lr=-0.1))]


@pytest.mark.parametrize("wl_cls, torch_cls, kwargs", BAD, ids=[str(b[2]) for b in BAD])
def test_rejects_what_torch_rejects(wl_cls, torch_cls, kwargs):
    with pytest.raises(ValueError):
        torch_cls([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError):
        wl_cls([wl.zeros(2, requires_grad=True)], **kwargs)


def test_defaults_are_pytorchs():
    p = [wl.zeros(2, requires_grad=True)]
    assert optim.Adam(p).defaults["lr"] == 1e-3 and optim.NAdam(p).defaults["lr"] == 2e-3
    assert optim.AdamW(p).defaults["weight_decay"] == 1e-2
    assert optim.AdamW(p).defaults["decoupled_weight_decay"] is True
    assert optim.NAdamW(p).defaults["decoupled_weight_decay"] is True
    assert optim.Adafactor(p).defaults["eps"] == (None, 1e-3)


# --- NAdamW against its paper, and Adam on a convex quadratic ------------------------------------
def _quadratic(seed=0, n=6):
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((n, n))
    return q @ q.T + 0.5 * np.eye(n), rng.standard_normal(n)


def _run_on_quadratic(cls, kwargs, steps, a, b):
    x = wl.tensor(np.zeros(len(b)), requires_grad=True)
    at, bt = wl.tensor(a), wl.tensor(b)
    opt = cls([x], **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * (x @ (at @ x)) - bt @ x).backward()
        opt.step()
    return x.detach().numpy()


def test_nadamw_follows_its_paper():
    """Dozat (2016) NAdam (momentum schedule mu_t = b1 (1 - 0.96^(t psi) / 2), Nesterov-corrected
    first moment) with Loshchilov and Hutter's decoupled decay, transcribed in NumPy."""
    a, b = _quadratic(1)
    lr, (b1, b2), eps, wd, psi = 0.03, (0.9, 0.99), 1e-8, 0.05, 4e-3
    x, m, v, prod = np.zeros_like(b), np.zeros_like(b), np.zeros_like(b), 1.0
    for t in range(1, 31):
        g = a @ x - b
        x = x - lr * wd * x
        mu_t, mu_next = (b1 * (1 - 0.5 * 0.96 ** (k * psi)) for k in (t, t + 1))
        prod *= mu_t
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_bar = mu_next * m / (1 - prod * mu_next) + (1 - mu_t) * g / (1 - prod)
        x = x - lr * m_bar / (np.sqrt(v / (1 - b2 ** t)) + eps)
    got = _run_on_quadratic(optim.NAdamW, dict(lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd,
                                               momentum_decay=psi), 30, a, b)
    dev = np.max(np.abs(got - x)) / np.max(np.abs(x))
    assert dev < TOL, f"NAdamW vs the paper's update: max relative deviation {dev:.3e}"


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_converges_on_a_convex_quadratic(amsgrad):
    a, b = _quadratic(0)
    x_star = np.linalg.solve(a, b)
    x = _run_on_quadratic(optim.Adam, dict(lr=0.05, amsgrad=amsgrad), 3000, a, b)
    err = np.max(np.abs(x - x_star))
    assert err < 1e-6, f"Adam(amsgrad={amsgrad}) ends {err:.3e} from the minimum"
