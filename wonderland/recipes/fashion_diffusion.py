"""Fashion-MNIST, score-based diffusion (Song et al. 2021, the VP SDE): a small U-Net (16, 32, 64
channels, attention at 7x7) trained by denoising score matching on pixels scaled to [-1, 1], Adam
1e-3 with a linear warmup and cosine decay. Sized by measurement to train, sample and score in
under 25 minutes on two CPU cores. assess samples cfg['samples'] images by the reverse SDE and
the probability-flow ODE, draws their grids and GIFs from noise, and, given a fashion_cnn run as
cfg['classifier'], scores them by that classifier: its mean confidence and the spread of the
classes it sees (for the test images as the reference)."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..core.grad_mode import no_grad
from ..core.random import Generator
from ..data.datasets import FashionMNIST
from ..data.transforms import Compose, Normalize, ToTensor
from ..models import UNet
from ..models.diffusion import VPSDE, ScoreDiffusion, probability_flow, reverse_sde
from ..ops import stack, tensor
from ..optim import Adam
from ..optim.lr_scheduler import LambdaLR
from ..train.recipe import Recipe
from ..viz import save_gif, save_image_grid
from ._common import FASHION_CONFIG, FASHION_MEAN, FASHION_STD, hold_out

# each sampler by name: (model, shape, cfg, generator) -> (samples, the states on the way); the
# ODE's rk4 steps cost four network evaluations each, so ode_steps = sample_steps / 4 costs what
# the SDE's steps do
SAMPLERS = {
    "sde": lambda model, shape, cfg, gen: reverse_sde(model, shape, cfg["sample_steps"],
                                                      generator=gen, trajectory=True),
    "ode": lambda model, shape, cfg, gen: probability_flow(model, shape, cfg["ode_steps"],
                                                           method="rk4", generator=gen,
                                                           trajectory=True),
}


def _splits(cfg: dict) -> tuple:
    """(train, val, test) of Fashion-MNIST as (1, 28, 28) float32 images in [-1, 1]."""
    tf = Compose([ToTensor(), Normalize(0.5, 0.5)])
    train = FashionMNIST(cfg["data_root"], train=True, transform=tf)
    return (*hold_out(train, cfg), FashionMNIST(cfg["data_root"], train=False, transform=tf))


def _model(cfg: dict) -> ScoreDiffusion:
    net = UNet(1, cfg["channels"], cfg["time_dim"], attention_at=cfg["attention_at"],
               groups=cfg["groups"])
    return ScoreDiffusion(net, VPSDE(cfg["beta_min"], cfg["beta_max"]), eps=cfg["t_eps"])


def _schedule(cfg: dict, opt):
    """Linear warmup over cfg['warmup'] steps, then cosine decay to cfg['min_lr']."""
    warm, total, floor = cfg["warmup"], cfg["steps"], cfg["min_lr"] / cfg["lr"]

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        done = min(1.0, (step - warm) / max(1, total - warm))
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * done))
    return LambdaLR(opt, factor)


def class_spread(probs: np.ndarray) -> dict[str, float]:
    """A classifier's view of a set of images from its (n, classes) probabilities: its mean
    confidence (the top probability), the entropy in nats of the histogram of predicted classes
    (log 10 = 2.303 when spread evenly over Fashion-MNIST's ten) and the largest class's share."""
    counts = np.bincount(probs.argmax(1), minlength=probs.shape[1])
    share = counts / counts.sum()
    nonzero = share[share > 0]
    return {"confidence": float(probs.max(1).mean()),
            "class_entropy": float(-(nonzero * np.log(nonzero)).sum()),
            "largest_class_share": float(share.max())}


def classifier_probs(classifier, images: np.ndarray, batch: int = 500) -> np.ndarray:
    """The fashion_cnn classifier's class probabilities for images in [-1, 1], normalised as
    that recipe trains (FASHION_MEAN and FASHION_STD of pixels in [0, 1])."""
    classifier.eval()
    out = []
    with no_grad():
        for i in range(0, len(images), batch):
            pixels = (np.clip(images[i:i + batch], -1.0, 1.0) + 1.0) / 2.0
            logits = classifier(tensor(((pixels - FASHION_MEAN) / FASHION_STD)
                                       .astype(np.float32)))
            out.append(logits.softmax(-1).numpy())
    return np.concatenate(out)


def _load_classifier(cfg: dict):
    if cfg["classifier"] is None:
        return None
    from ..train.run import load_run

    return load_run(cfg["classifier"])[2]


def assess(model, cfg: dict, datasets: tuple, out_dir: Path) -> dict[str, float]:
    """Sample cfg['samples'] images with each sampler named in cfg['samplers'] (the reverse SDE
    in cfg['sample_steps'] Euler-Maruyama steps, the ODE in cfg['ode_steps'] rk4 steps), draw
    samples_<sampler>.png (the first 64) and trajectory_<sampler>.gif (the same 64 from noise
    to image), and with a classifier (cfg['classifier'], a fashion_cnn run directory) score
    them and cfg['samples'] test images by class_spread; without one only the pictures and the
    pixel statistics are made."""
    out_dir, n = Path(out_dir), cfg["samples"]
    classifier = _load_classifier(cfg)
    test = datasets[2]
    real = stack([test[i][0] for i in range(min(n, len(test)))]).numpy()
    figures = {"data_pixel_mean": float(real.mean()), "data_pixel_std": float(real.std())}
    if classifier is not None:
        figures.update({f"data_{k}": v
                        for k, v in class_spread(classifier_probs(classifier, real)).items()})
    for name in cfg["samplers"]:
        with no_grad():
            x, states = SAMPLERS[name](model, (n, 1, 28, 28), cfg, Generator(cfg["seed"]))
        images = np.clip(x.numpy(), -1.0, 1.0)
        save_image_grid((images[:64] + 1.0) / 2.0, out_dir / f"samples_{name}.png")
        save_gif([(np.clip(s[:64].numpy(), -1.0, 1.0) + 1.0) / 2.0 for s in states],
                 out_dir / f"trajectory_{name}.gif", max_frames=40)
        figures[f"{name}_pixel_mean"] = float(images.mean())
        figures[f"{name}_pixel_std"] = float(images.std())
        if classifier is not None:
            spread = class_spread(classifier_probs(classifier, images))
            figures.update({f"{name}_{k}": v for k, v in spread.items()})
    return figures


recipe = Recipe(
    name="fashion_diffusion",
    description="Fashion-MNIST, score-based diffusion (VP SDE) with a U-Net 16-32-64, attention "
                "at 7x7, denoising score matching, Adam 1e-3 warmup + cosine, 1,000 steps of 64; "
                "samples by the reverse SDE and the probability-flow ODE",
    config={**FASHION_CONFIG, "steps": 1000, "batch_size": 64, "lr": 1e-3, "min_lr": 1e-5,
            "warmup": 100, "val_size": 1000, "eval_every": 250, "checkpoint_every": 250,
            "log_every": 50, "eval_batch_size": 500, "channels": [16, 32, 64], "time_dim": 64,
            "attention_at": [2], "groups": 8, "beta_min": 0.1, "beta_max": 20.0,
            "t_eps": 1e-5, "samples": 400, "sample_steps": 100, "ode_steps": 25,
            "samplers": ["sde", "ode"],
            "classifier": None},
    data=_splits,
    model=_model,
    optimizer=lambda cfg, params: Adam(params, lr=cfg["lr"]),
    scheduler=_schedule,
    loss=lambda per_example, y: per_example.mean(),  # the model gives each image's loss
    metrics={},
    assess=assess,
)
