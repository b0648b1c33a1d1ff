"""The Fashion-MNIST VAE recipes (fashion_vae, fashion_conv_vae): their data in [0, 1] as its own
target, the examples/vae schedule, a short training run lowering the test negative ELBO,
assess's pictures and figures (the IWAE bound below the ELBO's, seeded), and the PyTorch twin
benchmark landing on the same loss."""
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import wonderland as wl
from wonderland.data.datasets import write_idx
from wonderland.recipes import get
from wonderland.recipes._vae import assess
from wonderland.train.run import build, train_recipe
from wonderland.train.trainer import evaluate

ROOT = Path(__file__).resolve().parents[2]
RECIPES = ["fashion_vae", "fashion_conv_vae"]


@pytest.fixture
def prototype_root(tmp_path):
    """Fashion-MNIST-named IDX files of 64 train and 16 test images, each one of four random
    binary prototypes with 5% of pixels flipped: data a VAE can learn in a few steps."""
    rng = np.random.default_rng(0)
    protos = rng.random((4, 28, 28)) < 0.5
    for split, n in (("train", 64), ("t10k", 16)):
        x = protos[rng.integers(0, 4, n)] ^ (rng.random((n, 28, 28)) < 0.05)
        write_idx(tmp_path / f"{split}-images-idx3-ubyte.gz", x.astype(np.uint8) * 255)
        write_idx(tmp_path / f"{split}-labels-idx1-ubyte.gz", np.zeros(n, np.uint8))
    return str(tmp_path)


def test_examples_schedule_and_pixels_as_targets(fashion_root):
    recipe = get("fashion_vae")
    cfg = recipe.defaults()
    assert cfg["steps"] == 10 * math.ceil(60_000 / 128) and cfg["batch_size"] == 128
    assert cfg["lr"] == 1e-3 and cfg["val_size"] == 0
    train, val, test = recipe.data({**cfg, "data_root": fashion_root})
    assert val is None and (len(train), len(test)) == (40, 10)
    raw = wl.data.datasets.FashionMNIST(fashion_root, train=False)
    x, y = test[3]
    assert x.shape == (1, 28, 28) and x.dtype == np.float32
    np.testing.assert_array_equal(x, y)
    np.testing.assert_allclose(x[0], np.asarray(raw[3][0], np.float32) / 255, atol=1e-7)
    held = recipe.data({**cfg, "data_root": fashion_root, "val_size": 8})
    assert (len(held[0]), len(held[1])) == (32, 8)


@pytest.mark.parametrize("name", RECIPES)
def test_short_training_lowers_the_negative_elbo(name, prototype_root, tmp_path):
    recipe = get(name)
    overrides = {"data_root": prototype_root, "steps": 40, "batch_size": 16, "eval_every": 40,
                 "checkpoint_every": 40, "log_every": 40, "iwae_k": 10}
    cfg = recipe.configure(overrides)
    model, (_, _, test) = build(recipe, cfg)
    before = evaluate(model, wl.data.DataLoader(test, batch_size=16), recipe.loss, {})["loss"]
    results = train_recipe(recipe, overrides, tmp_path / "run", progress=False)
    after = results["test"]["loss"]
    assert after < 0.8 * before, (before, after)
    # the assessment joins the test figures: the IWAE bound is the tighter one
    assert results["test"]["iwae_nll"] < results["test"]["elbo_nll"]
    assert (tmp_path / "run" / "samples.png").is_file()


@pytest.mark.parametrize("name", RECIPES)
def test_assess_draws_pictures_and_bounds_log_px(name, prototype_root, tmp_path):
    import matplotlib.pyplot as plt

    recipe = get(name)
    cfg = recipe.configure({"data_root": prototype_root, "iwae_k": 50, "iwae_batch": 5})
    model, datasets = build(recipe, cfg)
    opt = recipe.optimizer(cfg, model.parameters())
    x = wl.tensor(datasets[0].data)
    for _ in range(15):  # a little training, so that the posterior is not the prior
        opt.zero_grad()
        recipe.loss(model(x), x).backward()
        opt.step()
    model.eval()
    figures = assess(model, cfg, datasets, tmp_path)
    assert set(figures) == {"iwae_nll", "elbo_nll"}
    assert all(math.isfinite(v) for v in figures.values())
    assert figures["iwae_nll"] < figures["elbo_nll"]
    assert assess(model, cfg, datasets, tmp_path) == figures  # seeded by cfg['seed']
    # 16 test images: two pairs of rows (8 images, then their reconstructions); 64 samples
    assert plt.imread(tmp_path / "reconstructions.png").shape[:2] == (4 * 30 + 2, 8 * 30 + 2)
    assert plt.imread(tmp_path / "samples.png").shape[:2] == (8 * 30 + 2, 8 * 30 + 2)
    fewer = assess(model, {**cfg, "iwae_images": 4}, datasets, tmp_path)
    assert fewer["iwae_nll"] != figures["iwae_nll"]


def test_twin_benchmark_lands_on_the_same_loss(prototype_root, tmp_path):
    # (the ConvVAE's twin is proven equal, outputs and gradients, in test_vae.py)
    out = tmp_path / "figures.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "vae_twin.py"),
                           "--model", "mlp", "--steps", "3", "--data-root", prototype_root,
                           "--json", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    figures = json.loads(out.read_text())
    # same weights, batches and noise: the two runs differ only by rounding
    assert figures["steps"] == 3 and figures["within_1pct"]
    assert figures["relative_gap"] == pytest.approx(0, abs=1e-5)
    assert "ratio wonderland / torch" in proc.stdout
