"""The spiral of torchdiffeq's ode_demo, learned by a neural ODE (Chen et al. 2018): the true
dynamics dy/dt = y^3 A, A = [[-0.1, 2], [-2, -0.1]], from y0 = (2, 0) sampled at 1,000 times on
[0, 25]; the model is CubicField (an MLP 2-50-2 with tanh on y^3) integrated by dopri5 with the
adjoint. As the demo: RMSprop 1e-3, 2,000 steps, each on 20 windows of 10 consecutive points
starting from their first true point, the mean absolute error as the loss (the windows here are
drawn without replacement pass by pass, the demo's with replacement). assess integrates the
whole trajectory from y0 and reports its mean absolute error against the true one, with
phase_portrait.png."""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from ..core.grad_mode import no_grad
from ..core.tensor import Tensor
from ..data import TensorDataset
from ..functional import l1_loss
from ..models.neural_ode import CubicField, NeuralODE
from ..ode import odeint
from ..optim import RMSprop
from ..train.recipe import Recipe
from ..viz import phase_portrait

TRUE_A = np.array([[-0.1, 2.0], [-2.0, -0.1]])
TRUE_Y0 = np.array([2.0, 0.0])


def true_trajectory(cfg: dict) -> tuple[np.ndarray, np.ndarray]:
    """(times, states (N, 2)) of the true spiral, solved in float64 to 1e-10."""
    return _solve_true(float(cfg["t_end"]), int(cfg["data_size"]))


@functools.lru_cache(maxsize=4)  # the data and the assessment share one solve
def _solve_true(t_end: float, points: int) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0.0, t_end, points)
    a = Tensor(TRUE_A)
    ys = odeint(lambda s, y: (y ** 3) @ a, Tensor(TRUE_Y0), Tensor(t), rtol=1e-10, atol=1e-10)
    return t, ys.numpy()


def _data(cfg: dict) -> tuple:
    """(windows, None, windows): every window of batch_time consecutive true points, as (its
    first point, the window). The task is to fit one trajectory, so there is nothing held out:
    the test split scores the demo's loss over every window, and assess the whole trajectory."""
    _, ys = true_trajectory(cfg)
    k = cfg["batch_time"]
    starts = np.arange(len(ys) - k)
    windows = np.stack([ys[s:s + k] for s in starts]).astype(np.float32)
    every = TensorDataset(Tensor(windows[:, 0]), Tensor(windows))
    return every, None, every


def _model(cfg: dict) -> NeuralODE:
    t = np.linspace(0.0, cfg["t_end"], cfg["data_size"])[:cfg["batch_time"]]
    return NeuralODE(CubicField(2, cfg["hidden"]), Tensor(t.astype(np.float32)),
                     method=cfg["method"], rtol=cfg["rtol"], atol=cfg["atol"],
                     adjoint=cfg["adjoint"])


def assess(model: NeuralODE, cfg: dict, datasets: tuple, out_dir: Path) -> dict[str, float]:
    """The whole trajectory from y0 by the trained field: its mean absolute error against the
    true one (mae), and phase_portrait.png."""
    t, true = true_trajectory(cfg)
    with no_grad():
        pred = model(Tensor(TRUE_Y0[None].astype(np.float32)),
                     Tensor(t.astype(np.float32)))[0].numpy()
    phase_portrait(true, pred, lambda y: model.field(None, y), Path(out_dir) / "phase_portrait.png")
    return {"mae": float(np.abs(pred - true).mean())}


recipe = Recipe(
    name="spiral_ode",
    description="spiral dy/dt = y^3 A (torchdiffeq's ode_demo, 1,000 points on [0, 25]), "
                "neural ODE MLP 2-50-2 on y^3 by dopri5 with the adjoint, RMSprop 1e-3, 2,000 "
                "steps of 20 windows of 10 points",
    config={"steps": 2000, "batch_size": 20, "batch_time": 10, "data_size": 1000,
            "t_end": 25.0, "hidden": 50, "lr": 1e-3, "method": "dopri5", "rtol": 1e-7,
            "atol": 1e-9, "adjoint": True, "checkpoint_every": 500,
            "log_every": 20},
    data=_data,
    model=_model,
    optimizer=lambda cfg, params: RMSprop(params, lr=cfg["lr"]),
    loss=l1_loss,
    metrics={},
    assess=assess,
)
