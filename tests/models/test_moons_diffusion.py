"""The moons_diffusion recipe: its standardised data, and assess end to end on a briefly trained
model with small sizes: its figures (the fresh-data floor below the samplers' distances, the ODE
NLL exact beside Hutchinson's), samples.png and the reverse SDE's GIF."""
import numpy as np
import pytest
from PIL import Image

import wonderland as wl
from wonderland.recipes import get
from wonderland.recipes import moons_diffusion as md
from wonderland.train.run import build

SMALL = {"points": 400, "test_points": 120, "samples": 120, "sample_steps": 20,
         "langevin_steps": 20, "nll_points": 6, "nll_method": "rk4", "nll_steps": 8,
         "hutchinson_samples": 64, "gif_frames": 5, "hidden": 32}


def test_data_are_standardised_moons():
    cfg = get("moons_diffusion").configure(SMALL)
    train, val, test = md._splits(cfg)
    assert val is None and (len(train), len(test)) == (400, 120)
    np.testing.assert_allclose(train.data.mean(0), 0, atol=1e-6)
    np.testing.assert_allclose(train.data.std(0), 1, atol=1e-5)


def test_assess_end_to_end(tmp_path):
    recipe = get("moons_diffusion")
    cfg = recipe.configure(SMALL)
    model, datasets = build(recipe, cfg)
    opt = recipe.optimizer(cfg, model.parameters())
    x, g = wl.tensor(datasets[0].data), wl.Generator(0)
    for _ in range(30):
        opt.zero_grad()
        recipe.loss(model(x, generator=g), None).backward()
        opt.step()
    model.eval()
    figures = md.assess(model, cfg, datasets, tmp_path)
    assert all(np.isfinite(v) for v in figures.values())
    for name in ("langevin", "sde", "ode"):
        # 30 steps of training are far from the data: every sampler sits above the floor
        assert figures[f"mmd_{name}"] > figures["mmd_floor"] >= 0
        assert figures[f"sw_{name}"] > figures["sw_floor"] > 0
    # one model, one ODE: exact and Hutchinson NLLs differ only by the noise of 64 probes
    assert abs(figures["nll_hutchinson_minus_exact"]) < 0.5
    assert figures["nll_hutchinson_minus_exact"] == pytest.approx(
        figures["nll_hutchinson"] - figures["nll_exact"], abs=1e-5)
    assert 0 < figures["nll_hutchinson_minus_exact_se"] < 0.5
    assert (tmp_path / "samples.png").stat().st_size > 0
    with Image.open(tmp_path / "reverse_sde.gif") as gif:
        assert 2 <= gif.n_frames <= 5  # GIF writers merge frames that look the same
