"""Learning-rate schedules against torch.optim.lr_scheduler: the same constructor arguments over
an optimizer with three parameter groups of different lrs give the same lr (and momentum / beta1)
sequence over 100 steps, and a schedule saved mid-run and loaded into a fresh one continues
exactly as the uninterrupted run."""
import copy
import math
import warnings

import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.optim import lr_scheduler as WS
from wonderland.optim.optimizer import Optimizer

TS = torch.optim.lr_scheduler
LRS = (0.1, 0.01, 0.5)
STEPS = 100


class BetasOpt(Optimizer):
    """An optimizer with Adam's options, for the schedules that cycle beta1 (no update needed)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))


def make_optimizers(kind="sgd", lrs=LRS):
    """The same optimizer in torch and wonderland: one parameter per group, group i with lrs[i]."""
    tp = [torch.zeros(2, requires_grad=True) for _ in lrs]
    wp = [wl.zeros(2, requires_grad=True) for _ in lrs]
    if kind == "sgd":
        return (torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(tp, lrs)],
                                lr=1.0, momentum=0.9),
                wl.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(wp, lrs)],
                             lr=1.0, momentum=0.9))
    return (torch.optim.Adam([{"params": [p], "lr": lr} for p, lr in zip(tp, lrs)], lr=1.0),
            BetasOpt([{"params": [p], "lr": lr} for p, lr in zip(wp, lrs)], lr=1.0))


def record(opt) -> list:
    """What a schedule controls in each group: lr and, where cycled, momentum or beta1."""
    return [(g["lr"], g.get("momentum"), g.get("betas", (None,))[0]) for g in opt.param_groups]


def plain_step(sched, t):
    sched.step()


def metric_step(sched, t):
    """ReduceLROnPlateau: a loss that falls, then plateaus with small wiggles, then falls again."""
    loss = 1.0 / (1 + t) if t < 20 or t > 70 else 0.05 + 1e-5 * math.sin(t)
    sched.step(loss)


def max_metric_step(sched, t):
    sched.step(min(t, 30) + 0.01 * (t % 3))


def jump_step(sched, t):
    """step(epoch) in an order that is not monotone, to exercise the closed forms."""
    sched.step([3, 10, 11, 50, 20, 0, 7, 99, 40, 41][t % 10] + t // 10)


def fraction_step(sched, t):
    sched.step(t * 0.37)


def lam(epoch):
    return 0.95 ** epoch


class Warmup:
    """A callable with state, which state_dict saves through its __dict__."""

    def __init__(self, n):
        self.n = n

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.n)


# (id, schedule factory on a scheduler module m and optimizer, optimizer kind, step driver)
CASES = [
    ("lambda", lambda m, o: m.LambdaLR(o, lam), "sgd", plain_step),
    ("lambda_per_group", lambda m, o: m.LambdaLR(o, [lam, Warmup(10), lambda e: 1 / (1 + e)]),
     "sgd", plain_step),
    ("multiplicative", lambda m, o: m.MultiplicativeLR(o, lambda e: 0.97), "sgd", plain_step),
    ("step", lambda m, o: m.StepLR(o, step_size=7), "sgd", plain_step),
    ("step_gamma", lambda m, o: m.StepLR(o, step_size=30, gamma=0.5), "sgd", plain_step),
    ("step_jump", lambda m, o: m.StepLR(o, step_size=7, gamma=0.7), "sgd", jump_step),
    ("multistep", lambda m, o: m.MultiStepLR(o, [10, 30, 60]), "sgd", plain_step),
    ("multistep_repeat", lambda m, o: m.MultiStepLR(o, [5, 40, 40, 80], gamma=0.3), "sgd",
     plain_step),
    ("multistep_jump", lambda m, o: m.MultiStepLR(o, [10, 30, 60], gamma=0.5), "sgd",
     jump_step),
    ("constant", lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=12), "sgd", plain_step),
    ("exponential", lambda m, o: m.ExponentialLR(o, gamma=0.95), "sgd", plain_step),
    ("exponential_jump", lambda m, o: m.ExponentialLR(o, gamma=0.9), "sgd", jump_step),
    ("polynomial", lambda m, o: m.PolynomialLR(o, total_iters=60, power=2.0), "sgd", plain_step),
    ("linear_warmup", lambda m, o: m.LinearLR(o, start_factor=0.1, total_iters=10), "sgd",
     plain_step),
    ("linear_decay", lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.05,
                                             total_iters=80), "sgd", plain_step),
    ("linear_jump", lambda m, o: m.LinearLR(o, start_factor=0.2, total_iters=30), "sgd",
     jump_step),
    ("cosine", lambda m, o: m.CosineAnnealingLR(o, T_max=100), "sgd", plain_step),
    ("cosine_eta_min", lambda m, o: m.CosineAnnealingLR(o, T_max=30, eta_min=1e-3), "sgd",
     plain_step),
    ("cosine_short", lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.002), "sgd",
     plain_step),
    ("cosine_jump", lambda m, o: m.CosineAnnealingLR(o, T_max=50, eta_min=1e-4), "sgd",
     jump_step),
    ("warm_restarts", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=10), "sgd", plain_step),
    ("warm_restarts_mult", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2,
                                                                      eta_min=1e-3),
     "sgd", plain_step),
    ("warm_restarts_fraction", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=3),
     "sgd", fraction_step),
    ("warm_restarts_fraction_1", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=6,
                                                                            eta_min=0.01),
     "sgd", fraction_step),
    ("one_cycle", lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=101), "sgd", plain_step),
    ("one_cycle_linear", lambda m, o: m.OneCycleLR(o, max_lr=[0.5, 0.05, 2.0], epochs=10,
                                                   steps_per_epoch=11, pct_start=0.25,
                                                   anneal_strategy="linear"), "sgd", plain_step),
    ("one_cycle_three_phase", lambda m, o: m.OneCycleLR(o, max_lr=0.3, total_steps=120,
                                                        three_phase=True, div_factor=10.0,
                                                        final_div_factor=100.0), "sgd",
     plain_step),
    ("one_cycle_betas", lambda m, o: m.OneCycleLR(o, max_lr=3e-3, total_steps=100 + 1,
                                                  base_momentum=0.8, max_momentum=0.92),
     "adam", plain_step),
    ("one_cycle_no_momentum", lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=150,
                                                        cycle_momentum=False), "adam",
     plain_step),
    ("cyclic", lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=10), "sgd",
     plain_step),
    ("cyclic_triangular2", lambda m, o: m.CyclicLR(o, base_lr=[0.01, 0.001, 0.1], max_lr=1.0,
                                                   step_size_up=8, step_size_down=5,
                                                   mode="triangular2"), "sgd", plain_step),
    ("cyclic_exp_range", lambda m, o: m.CyclicLR(o, base_lr=1e-3, max_lr=1e-2, step_size_up=6,
                                                 mode="exp_range", gamma=0.98), "adam",
     plain_step),
    ("warmup_cosine", lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.01, total_iters=10), m.CosineAnnealingLR(o, T_max=90)],
        milestones=[10]), "sgd", plain_step),
    ("sequential_three", lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, factor=0.5, total_iters=5), m.ExponentialLR(o, gamma=0.9),
            m.CosineAnnealingLR(o, T_max=20, eta_min=1e-3)], milestones=[8, 40]), "sgd",
     plain_step),
    ("chained", lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.1, total_iters=4), m.ExponentialLR(o, gamma=0.97)]), "sgd",
     plain_step),
    ("plateau", lambda m, o: m.ReduceLROnPlateau(o, patience=3), "sgd", metric_step),
    ("plateau_options", lambda m, o: m.ReduceLROnPlateau(
        o, factor=0.5, patience=2, threshold=1e-3, threshold_mode="abs", cooldown=4,
        min_lr=[1e-3, 1e-4, 0.2]), "sgd", metric_step),
    ("plateau_max", lambda m, o: m.ReduceLROnPlateau(o, mode="max", factor=0.3, patience=1,
                                                     min_lr=1e-4, eps=1e-3), "sgd",
     max_metric_step),
    ("plateau_max_abs", lambda m, o: m.ReduceLROnPlateau(o, mode="max", threshold=0.5,
                                                         threshold_mode="abs", patience=0),
     "adam", max_metric_step),
]
IDS = [c[0] for c in CASES]


def run(m, opt, factory, driver, steps=STEPS):
    sched = factory(m, opt)
    seq = [record(opt)]
    for t in range(steps):
        opt.step()
        driver(sched, t)
        seq.append(record(opt))
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
    return sched, seq


def assert_same(ours, theirs):
    a = np.array([[x if x is not None else np.nan for row in r for x in row] for r in ours])
    b = np.array([[x if x is not None else np.nan for row in r for x in row] for r in theirs])
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=0, equal_nan=True)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name,factory,kind,driver", CASES, ids=IDS)
def test_sequence_matches_torch(name, factory, kind, driver):
    topt, wopt = make_optimizers(kind)
    tsched, tseq = run(TS, topt, factory, driver)
    wsched, wseq = run(WS, wopt, factory, driver)
    assert_same(wseq, tseq)
    assert getattr(wsched, "last_epoch", None) == getattr(tsched, "last_epoch", None)
    for tg, wg in zip(topt.param_groups, wopt.param_groups):
        assert wg.get("initial_lr") == tg.get("initial_lr")
    assert len({round(lr, 12) for r in wseq for lr, _, _ in r}) > 1  # the schedule moved


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name,factory,kind,driver", CASES, ids=IDS)
def test_state_dict_round_trip_continues_identically(name, factory, kind, driver):
    _, whole = run(WS, make_optimizers(kind)[1], factory, driver)
    _, opt = make_optimizers(kind)
    sched = factory(WS, opt)
    for t in range(37):
        opt.step()
        driver(sched, t)
    saved, saved_opt = copy.deepcopy(sched.state_dict()), copy.deepcopy(opt.state_dict())
    assert "optimizer" not in saved
    _, fresh_opt = make_optimizers(kind)
    fresh = factory(WS, fresh_opt)  # constructing moves the lrs: loading must undo that
    fresh_opt.load_state_dict(saved_opt)
    fresh.load_state_dict(saved)
    rest = [record(fresh_opt)]
    for t in range(37, STEPS):
        fresh_opt.step()
        driver(fresh, t)
        rest.append(record(fresh_opt))
    assert_same(rest, whole[37:])


def test_callable_state_is_saved_through_its_dict():
    _, opt = make_optimizers()
    warm = Warmup(10)
    sched = WS.LambdaLR(opt, [lam, warm, warm])
    warm.n = 4
    state = sched.state_dict()
    assert state["lr_lambdas"][0] is None and state["lr_lambdas"][1] == {"n": 4}
    _, opt2 = make_optimizers()
    other = Warmup(10)
    WS.LambdaLR(opt2, [lam, other, Warmup(10)]).load_state_dict(state)
    assert other.n == 4


def test_one_cycle_past_total_steps_raises_as_torch():
    topt, wopt = make_optimizers()
    for m, opt in ((TS, topt), (WS, wopt)):
        sched = m.OneCycleLR(opt, max_lr=0.1, total_steps=5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(5):
                opt.step()
                sched.step()
            with pytest.raises(ValueError, match="total_steps|total steps"):
                sched.step()


def test_errors():
    _, opt = make_optimizers()
    with pytest.raises(TypeError, match="Optimizer"):
        WS.StepLR(object(), step_size=3)
    with pytest.raises(KeyError, match="initial_lr"):
        WS.StepLR(opt, step_size=3, last_epoch=5)
    with pytest.raises(ValueError, match="lr_lambdas"):
        WS.LambdaLR(opt, [lam, lam])
    with pytest.raises(ValueError, match="factor"):
        WS.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="milestones"):
        WS.SequentialLR(opt, [WS.StepLR(opt, 3), WS.StepLR(opt, 4)], milestones=[])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        WS.SequentialLR(opt, [WS.StepLR(opt, 3), WS.ReduceLROnPlateau(opt)], milestones=[3])
    with pytest.raises(ValueError, match="T_0"):
        WS.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="momentum"):
        WS.OneCycleLR(wl.optim.Optimizer([wl.zeros(1, requires_grad=True)], {"lr": 0.1}),
                      max_lr=1.0, total_steps=10)


def test_resume_with_last_epoch_as_torch():
    """Constructing with last_epoch=k after loading the optimizer state continues the schedule."""
    topt, wopt = make_optimizers()
    for opt in (topt, wopt):
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"]
    seqs = []
    for m, opt in ((TS, topt), (WS, wopt)):
        sched = m.CosineAnnealingLR(opt, T_max=40, eta_min=1e-3, last_epoch=9)
        seq = [record(opt)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(30):
                opt.step()
                sched.step()
                seq.append(record(opt))
        seqs.append(seq)
    assert_same(seqs[1], seqs[0])


def test_optimizer_uses_the_scheduled_lr():
    p = wl.tensor([1.0], requires_grad=True)
    opt = wl.optim.SGD([p], lr=0.5)
    sched = WS.StepLR(opt, step_size=1, gamma=0.1)
    for expected in (0.5, 0.05, 0.005):
        p.grad = wl.tensor([1.0])
        before = p.item()
        opt.step()
        assert before - p.item() == pytest.approx(expected)
        sched.step()
