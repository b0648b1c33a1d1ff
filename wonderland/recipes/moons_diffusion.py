"""Two moons, score-based diffusion (Song et al. 2021, the VP SDE with beta from 0.1 to 20): a
noise-predicting MLP (3 x 128 SiLU on the point and 32 sinusoidal features of the time) trained
by denoising score matching on moons_realnvp's 4,000 standardised points with Adam 3e-3 and
cosine decay to 1e-5 (3e-3 fitted the low noise levels better than 1e-3 in a 3,000-step probe).
assess draws samples by annealed Langevin, the reverse SDE and the probability-flow ODE and
scores them against fresh test points by MMD and sliced Wasserstein (beside the same figures for
training points: the floor a perfect model would sit on), and gives the test NLL in nats by the
probability-flow ODE with the exact divergence and with Hutchinson's estimate."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..core.grad_mode import no_grad
from ..core.random import Generator
from ..core.tensor import Tensor
from ..data.datasets import Moons
from ..functional import mmd, sliced_wasserstein
from ..models.diffusion import VPSDE, ScoreDiffusion, ScoreMLP
from ..models.diffusion_sampling import (
    annealed_langevin,
    log_likelihood,
    probability_flow,
    reverse_sde,
)
from ..optim import Adam
from ..optim.lr_scheduler import CosineAnnealingLR
from ..train.recipe import Recipe
from ..viz import save_gif
from ._flow import standardised_splits

SAMPLERS = {"langevin": annealed_langevin, "sde": reverse_sde, "ode": probability_flow}
MMD_SIGMAS = (0.1, 0.2, 0.5, 1.0, 2.0)  # bandwidths in standardised units


def _splits(cfg: dict) -> tuple:
    """(train, None, test): moons_realnvp's standardised points (noise cfg['noise'])."""
    return standardised_splits(lambda n, seed: Moons(n, noise=cfg["noise"], seed=seed), cfg)


def _model(cfg: dict) -> ScoreDiffusion:
    net = ScoreMLP(2, cfg["hidden"], cfg["layers"], cfg["time_dim"])
    return ScoreDiffusion(net, VPSDE(cfg["beta_min"], cfg["beta_max"]), eps=cfg["t_eps"])


def _distances(x: np.ndarray, y: np.ndarray, seed: int) -> dict[str, float]:
    a, b = Tensor(x.astype(np.float32)), Tensor(y.astype(np.float32))
    return {"mmd": float(mmd(a, b, MMD_SIGMAS).item()),
            "sw": float(sliced_wasserstein(a, b, 256, generator=Generator(seed)).item())}


def _scatter(samples: dict, test: np.ndarray, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(samples) + 1, figsize=(3.2 * (len(samples) + 1), 3.2),
                             sharex=True, sharey=True)
    for ax, (name, pts) in zip(axes, [("test points", test), *samples.items()]):
        ax.scatter(pts[:, 0], pts[:, 1], s=2, alpha=0.5, linewidths=0)
        ax.set_title(name)
        ax.set_aspect("equal")
    axes[0].set_xlim(test[:, 0].min() - 1, test[:, 0].max() + 1)
    axes[0].set_ylim(test[:, 1].min() - 1, test[:, 1].max() + 1)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def assess(model, cfg: dict, datasets: tuple, out_dir: Path) -> dict[str, float]:
    """min(cfg['samples'], test size) samples from each sampler in cfg['sample_steps'] steps
    (Langevin: cfg['langevin_steps'] levels x cfg['corrector_steps'] at cfg['snr']) ->
    mmd_<sampler> and sw_<sampler> against the test points, and mmd_floor / sw_floor for as many
    training points;
    the NLL of cfg['nll_points'] test points by the ODE (cfg['nll_method']: dopri5 within
    cfg['ode_tol'], or rk4/euler in cfg['nll_steps'] steps), exactly (nll_exact) and by
    Hutchinson with cfg['hutchinson_samples'] Rademacher probes (nll_hutchinson), their mean gap
    with its standard error over the points, and the seconds each took; samples.png and the
    reverse SDE's trajectory as reverse_sde.gif."""
    out_dir, train, test = Path(out_dir), datasets[0].data, datasets[2].data
    n, seed = min(cfg["samples"], len(test)), cfg["seed"]
    figures = {f"{k}_floor": v for k, v in _distances(train[:n], test[:n], seed).items()}
    samples = {}
    for name, sampler in SAMPLERS.items():
        steps = cfg["langevin_steps"] if name == "langevin" else cfg["sample_steps"]
        extra = ({"corrector_steps": cfg["corrector_steps"], "snr": cfg["snr"]}
                 if name == "langevin" else {})
        start = time.perf_counter()
        with no_grad():
            x, path = sampler(model, (n, 2), steps, generator=Generator(seed), trajectory=True,
                              **extra)
        figures[f"seconds_{name}"] = time.perf_counter() - start
        samples[name] = x.numpy()
        figures.update({f"{k}_{name}": v
                        for k, v in _distances(samples[name], test[:n], seed).items()})
        if name == "sde":
            save_gif(path, out_dir / "reverse_sde.gif", extent=(-3, 3, -3, 3),
                     max_frames=cfg["gif_frames"])
    _scatter(samples, test[:n], out_dir / "samples.png")
    x, logps = Tensor(test[:cfg["nll_points"]]), {}
    for key, kw in (("exact", {"exact": True}),
                    ("hutchinson", {"exact": False,
                                    "hutchinson_samples": cfg["hutchinson_samples"]})):
        start = time.perf_counter()
        logp = log_likelihood(model, x, method=cfg["nll_method"], steps=cfg["nll_steps"],
                              rtol=cfg["ode_tol"], atol=cfg["ode_tol"],
                              generator=Generator(seed), **kw).numpy()
        figures[f"seconds_nll_{key}"] = time.perf_counter() - start
        figures[f"nll_{key}"], logps[key] = float(-logp.mean()), logp
    # the gap and its standard error over the points: is it the probes' noise?
    gap = logps["exact"].astype(np.float64) - logps["hutchinson"]
    figures["nll_hutchinson_minus_exact"] = float(gap.mean())
    figures["nll_hutchinson_minus_exact_se"] = float(gap.std(ddof=1) / np.sqrt(len(gap))
                                                     if len(gap) > 1 else np.nan)
    return figures


recipe = Recipe(
    name="moons_diffusion",
    description="two moons, score-based diffusion (VP SDE) with a 3 x 128 SiLU noise MLP on "
                "4,000 standardised points (noise 0.06), denoising score matching, Adam 3e-3 "
                "cosine to 1e-5, 10,000 steps of 256; Langevin, reverse SDE and ODE samples; "
                "NLL by the probability-flow ODE",
    config={"steps": 10_000, "batch_size": 256, "lr": 3e-3, "min_lr": 1e-5, "points": 4000,
            "test_points": 1000, "noise": 0.06, "seed": 0, "eval_every": 1000,
            "checkpoint_every": 5000, "log_every": 500, "eval_batch_size": 1000,
            "hidden": 128, "layers": 3, "time_dim": 32, "beta_min": 0.1, "beta_max": 20.0,
            "t_eps": 1e-3, "samples": 1000, "sample_steps": 500, "langevin_steps": 500,
            "corrector_steps": 2, "snr": 0.16, "nll_points": 1000, "hutchinson_samples": 1,
            "nll_method": "dopri5", "nll_steps": 100, "ode_tol": 1e-5,
            "gif_frames": 60},
    data=_splits,
    model=_model,
    optimizer=lambda cfg, params: Adam(params, lr=cfg["lr"]),
    scheduler=lambda cfg, opt: CosineAnnealingLR(opt, T_max=cfg["steps"], eta_min=cfg["min_lr"]),
    loss=lambda per_example, y: per_example.mean(),  # the model gives each point's loss
    metrics={},
    assess=assess,
)
