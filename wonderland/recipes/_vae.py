"""What the Fashion-MNIST VAE recipes share (PyTorch's examples/vae settings): pixels in [0, 1]
as both input and target, the mean negative ELBO as the loss, and an assessment by the
importance-weighted bound on log p(x) with pictures of reconstructions and samples."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..core.grad_mode import no_grad
from ..core.random import Generator
from ..data import DataLoader
from ..data.datasets import FashionMNIST
from ..data.datasets._arrays import ArrayDataset
from ..models.vae import importance_weighted_log_px, negative_elbo
from ..ops import randn
from ..optim import Adam
from ..train.recipe import Recipe
from ..viz import save_image_grid
from ._common import FASHION_CONFIG, hold_out

# examples/vae: Adam 1e-3, batches of 128, 10 epochs of all 60,000 training images
# (ceil(60000 / 128) = 469 steps an epoch), the test set scored after every epoch; it holds
# nothing out for validation (val_size 0). The assessment's IWAE bound uses k = 100 draws
# (Burda et al.'s k = 5000 costs 50 times more) on the first `iwae_images` test images.
VAE_CONFIG = {
    **FASHION_CONFIG, "steps": 10 * 469, "eval_every": 469, "checkpoint_every": 469,
    "val_size": 0, "latent": 20, "iwae_k": 100, "iwae_images": 10_000, "iwae_batch": 500,
}


def vae_splits(cfg: dict) -> tuple:
    """(train, val or None, test): Fashion-MNIST as float32 (1, 28, 28) images in [0, 1], each
    its own target (the Bernoulli likelihood's pixels)."""
    def images(train: bool) -> ArrayDataset:
        raw = FashionMNIST(cfg["data_root"], train=train).data
        x = (raw.astype(np.float32) / 255.0)[:, None]
        return ArrayDataset(x, x)
    return (*hold_out(images(True), cfg), images(False))


def elbo_loss(out, x):
    """The mean negative ELBO in nats per image of the model's (logits, mu, logvar)."""
    return negative_elbo(out[0], x, out[1], out[2]).mean()


def _test_images(test, n: int, batch: int):
    """The first n test images in batches of at most `batch`."""
    seen = 0
    for x, _ in DataLoader(test, batch_size=batch):
        if seen >= n:
            return
        x = x[:n - seen]
        seen += x.shape[0]
        yield x


def assess(model, cfg: dict, datasets: tuple, out_dir: Path) -> dict[str, float]:
    """On the first cfg['iwae_images'] test images: the IWAE bound -log p(x) with
    cfg['iwae_k'] draws ('iwae_nll') and the one-draw negative ELBO ('elbo_nll'), both in nats
    per image and seeded by cfg['seed']. Draws reconstructions.png (up to 32 test images in rows
    of 8, each row followed by its reconstructions from the posterior mean) and samples.png (64
    decoded prior draws), as Bernoulli means."""
    out_dir, test = Path(out_dir), datasets[2]
    gen = Generator(cfg["seed"])
    n = min(cfg["iwae_images"], len(test))
    iwae = elbo = 0.0
    with no_grad():
        for x in _test_images(test, n, cfg["iwae_batch"]):
            iwae -= float(importance_weighted_log_px(model, x, cfg["iwae_k"], gen).sum().item())
            elbo += float(elbo_loss(model(x, generator=gen), x).item()) * x.shape[0]
        row = min(8, len(test))
        shown = min(32, len(test)) // row * row
        x = next(_test_images(test, shown, shown))
        recon = model.decode(model.encode(x)[0]).sigmoid().reshape(*x.shape).numpy()
        pairs = np.stack([x.numpy().reshape(-1, row, *x.shape[1:]),
                          recon.reshape(-1, row, *x.shape[1:])], 1)
        save_image_grid(pairs.reshape(-1, *x.shape[1:]), out_dir / "reconstructions.png",
                        nrow=row)
        z = randn(64, model.latent, generator=gen)
        samples = model.decode(z).sigmoid().reshape(64, *x.shape[1:]).numpy()
        save_image_grid(samples, out_dir / "samples.png")
    return {"iwae_nll": iwae / n, "elbo_nll": elbo / n}


def vae_recipe(name: str, description: str, model: Callable, **config) -> Recipe:
    """A Fashion-MNIST VAE recipe: model(cfg) builds the network; config adds to VAE_CONFIG."""
    return Recipe(
        name=name, description=description, config={**VAE_CONFIG, **config}, data=vae_splits,
        model=model, optimizer=lambda cfg, params: Adam(params, lr=cfg["lr"]), loss=elbo_loss,
        metrics={}, assess=assess,
    )
