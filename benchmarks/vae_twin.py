"""The Fashion-MNIST VAE recipes (fashion_vae, fashion_conv_vae) trained side by side in
wonderland and PyTorch, scored by the test negative ELBO in nats per image.

The PyTorch twin (tests/models/test_vae.py: the same layers under the same names) starts from
wonderland's seed-0 weights and takes the same batches in the same order (the recipe's seeded,
shuffled loader) with the same reparameterisation noise (drawn once from NumPy), under Adam at
the recipe's lr; the two runs differ only by floating-point rounding. Only the training steps are
timed. Both are then scored on the test images with one shared noise draw per image. Prints the
figures side by side, their ratio and whether ours is within 1% of PyTorch's; --json writes them.

    python benchmarks/vae_twin.py [--model mlp|conv] [--epochs 10] [--threads 2] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

import wonderland as wl
from wonderland.core.random import Generator
from wonderland.data import DataLoader
from wonderland.data.datasets._arrays import ArrayDataset
from wonderland.models.vae import negative_elbo
from wonderland.recipes import get
from wonderland.train.run import build

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the twins live with the tests that prove them equal
from tests.models.test_vae import (  # noqa: E402
    TorchConvVAE,
    TorchVAE,
    torch_forward,
    torch_negative_elbo,
)

RECIPES = {"mlp": ("fashion_vae", TorchVAE), "conv": ("fashion_conv_vae", TorchConvVAE)}


def schedule(n: int, cfg: dict, steps: int, latent: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(indices, noise) for each step: the recipe's loader order over n images, pass after
    pass (a loader over the indices draws the same permutations), and N(0, I) noise."""
    loader = DataLoader(ArrayDataset(np.arange(n), np.arange(n)), batch_size=cfg["batch_size"],
                        shuffle=True, generator=Generator(cfg["seed"]))
    order: list = []
    while len(order) < steps:
        order.extend(idx.numpy() for idx, _ in loader)
    rng = np.random.default_rng(cfg["seed"])
    return [(idx, rng.standard_normal((len(idx), latent)).astype(np.float32))
            for idx in order[:steps]]


def train_wonderland(recipe, cfg, model, images, plan) -> float:
    opt = recipe.optimizer(cfg, model.parameters())
    start = time.perf_counter()
    for idx, eps in plan:
        x = wl.tensor(images[idx])
        loss = recipe.loss(model(x, eps=wl.tensor(eps)), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def train_torch(cfg, twin, images, plan) -> float:
    opt = torch.optim.Adam(twin.parameters(), lr=cfg["lr"])
    start = time.perf_counter()
    for idx, eps in plan:
        x = torch.from_numpy(images[idx])
        loss = torch_nelbo(twin, x, torch.from_numpy(eps)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def ours_nelbo(model, x, eps):
    """Each image's negative ELBO under wonderland's model with the given noise."""
    logits, mu, logvar = model(x, eps=eps)
    return negative_elbo(logits, x, mu, logvar)


def torch_nelbo(twin, x, eps):
    """The same under the PyTorch twin."""
    logits, mu, logvar = torch_forward(twin, x, eps)
    return torch_negative_elbo(logits, x, mu, logvar)


def test_nll(per_example, images: np.ndarray, eps: np.ndarray, batch: int = 1000) -> float:
    """The mean negative ELBO per image, per_example(x, eps) giving a batch's values."""
    total = sum(float(np.asarray(per_example(images[i:i + batch], eps[i:i + batch]),
                                 dtype=np.float64).sum()) for i in range(0, len(images), batch))
    return total / len(images)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=sorted(RECIPES), default="mlp")
    ap.add_argument("--epochs", type=float, default=10.0, help="passes over the training set")
    ap.add_argument("--steps", type=int, default=None, help="train this many steps instead")
    ap.add_argument("--threads", type=int, default=2,
                    help="torch's threads; NumPy's BLAS (wonderland's) takes OMP_NUM_THREADS")
    ap.add_argument("--data-root", default=None, help="Fashion-MNIST's IDX files (default: the "
                    "system folder, then the cache)")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    name, twin_cls = RECIPES[args.model]
    recipe = get(name)
    cfg = recipe.configure({"data_root": args.data_root, "val_size": 0})
    model, (train, _, test) = build(recipe, cfg)
    twin = twin_cls(latent=model.latent) if args.model == "conv" else twin_cls(
        hidden=cfg["hidden"], latent=model.latent)
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                          for k, v in model.state_dict().items()})
    images, test_images = train.data, test.data
    per_epoch = math.ceil(len(images) / cfg["batch_size"])
    steps = args.steps or round(args.epochs * per_epoch)
    plan = schedule(len(images), cfg, steps, model.latent)
    wall = {"wonderland": train_wonderland(recipe, cfg, model, images, plan),
            "torch": train_torch(cfg, twin, images, plan)}
    test_eps = np.random.default_rng(cfg["seed"] + 1).standard_normal(
        (len(test_images), model.latent)).astype(np.float32)
    model.eval()
    with wl.no_grad():
        ours = test_nll(lambda x, e: ours_nelbo(model, wl.tensor(x), wl.tensor(e)).numpy(),
                        test_images, test_eps)
    with torch.no_grad():
        theirs = test_nll(lambda x, e: torch_nelbo(twin, torch.from_numpy(x),
                                                   torch.from_numpy(e)).numpy(),
                          test_images, test_eps)
    gap = ours / theirs - 1
    figures = {"model": args.model, "steps": steps, "epochs": steps / per_epoch,
               "threads": args.threads, "date": time.strftime("%Y-%m-%d"),
               "torch_version": torch.__version__,
               "wonderland": {"test_nelbo": ours, "wall_s": wall["wonderland"]},
               "torch": {"test_nelbo": theirs, "wall_s": wall["torch"]},
               "relative_gap": gap, "within_1pct": abs(gap) <= 0.01}
    print(f"{name}: {steps} steps ({steps / per_epoch:.2f} epochs of {len(images)} images), "
          f"{args.threads} threads")
    print(f"{'':12s} {'test -ELBO':>11s} {'train s':>8s}")
    for who in ("wonderland", "torch"):
        print(f"{who:12s} {figures[who]['test_nelbo']:11.3f} {wall[who]:8.1f}")
    print(f"ratio wonderland / torch: -ELBO {ours / theirs:.5f} "
          f"({'within' if figures['within_1pct'] else 'NOT within'} 1%), "
          f"training time {wall['wonderland'] / wall['torch']:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
