"""The fashion_diffusion recipe: its data in [-1, 1], its warmup + cosine schedule, the class
spread by hand, the classifier's probabilities against a PyTorch twin of fashion_cnn's network
(normalised as that recipe trains), and assess end to end on fake Fashion-MNIST with a 2-step
classifier run: its pictures and its figures."""
import math

import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.optim import SGD
from wonderland.recipes import fashion_diffusion as fd
from wonderland.recipes import get
from wonderland.recipes._common import FASHION_MEAN, FASHION_STD
from wonderland.train.run import build, train_recipe

from .twins import ConvNet2d as TorchConvNet2d


def test_data_is_scaled_to_minus_one_one(fashion_root):
    cfg = get("fashion_diffusion").configure({"data_root": fashion_root, "val_size": 8})
    train, val, test = fd._splits(cfg)
    assert (len(train), len(val), len(test)) == (32, 8, 10)
    raw = wl.data.datasets.FashionMNIST(fashion_root, train=False)
    x = test[3][0].numpy()
    assert x.shape == (1, 28, 28) and x.dtype == np.float32
    np.testing.assert_allclose(x[0], np.asarray(raw[3][0], np.float32) / 127.5 - 1, atol=1e-6)


def test_schedule_warms_up_then_decays_by_cosine():
    cfg = {"lr": 1e-3, "min_lr": 1e-5, "warmup": 10, "steps": 110}
    opt = SGD([wl.nn.Parameter(wl.zeros(1))], lr=cfg["lr"])
    sched = fd._schedule(cfg, opt)
    lrs = []
    for _ in range(cfg["steps"]):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_allclose(lrs[:10], 1e-3 * np.arange(1, 11) / 10)
    done = (60 - 10) / 100
    np.testing.assert_allclose(lrs[60], 1e-5 + (1e-3 - 1e-5) * (1 + math.cos(math.pi * done)) / 2)
    assert lrs[10] == pytest.approx(1e-3) and lrs[-1] == pytest.approx(1e-5, rel=0.05)


def test_class_spread_by_hand():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.5, 0.4, 0.1], [0.9, 0.05, 0.05]])
    got = fd.class_spread(probs)  # predicted classes 0, 1, 0, 0
    assert got["confidence"] == pytest.approx((0.7 + 0.6 + 0.5 + 0.9) / 4)
    assert got["class_entropy"] == pytest.approx(-(0.75 * math.log(0.75) + 0.25 * math.log(0.25)))
    assert got["largest_class_share"] == pytest.approx(0.75)
    even = fd.class_spread(np.eye(10)[np.arange(50) % 10])
    assert even["class_entropy"] == pytest.approx(math.log(10)) and even["confidence"] == 1.0


def test_classifier_sees_what_fashion_cnn_was_trained_on(fashion_root):
    cnn = get("fashion_cnn")
    model, _ = build(cnn, cnn.configure({"data_root": fashion_root, "val_size": 8}))
    twin = TorchConvNet2d(1, 28, (32, 64), 128, 10, dropout=0.25)
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                          for k, v in model.state_dict().items()})
    twin.eval()
    images = np.random.default_rng(0).uniform(-1.2, 1.2, (7, 1, 28, 28)).astype(np.float32)
    got = fd.classifier_probs(model, images, batch=3)
    pixels = (np.clip(images, -1, 1) + 1) / 2  # [-1, 1] back to [0, 1], then fashion_cnn's
    with torch.no_grad():
        ref = twin(torch.from_numpy((pixels - FASHION_MEAN) / FASHION_STD).float()).softmax(-1)
    np.testing.assert_allclose(got, ref.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("with_classifier", [True, False])
def test_assess_draws_and_scores_samples(fashion_root, tmp_path, with_classifier):
    small = {"steps": 2, "batch_size": 8, "eval_every": 2, "checkpoint_every": 2,
             "log_every": 1, "data_root": fashion_root, "val_size": 8}
    classifier = None
    if with_classifier:
        classifier = tmp_path / "cnn"
        train_recipe(get("fashion_cnn"), small, classifier, progress=False)
    overrides = {**small, "samples": 6, "sample_steps": 2, "ode_steps": 1, "channels": [8, 16],
                 "time_dim": 16, "attention_at": [1], "groups": 4, "classifier": classifier}
    results = train_recipe(get("fashion_diffusion"), overrides, tmp_path / "run", progress=False)
    figures = results["test"]
    for name in ("sde", "ode"):
        assert (tmp_path / "run" / f"samples_{name}.png").stat().st_size > 0
        assert (tmp_path / "run" / f"trajectory_{name}.gif").read_bytes()[:6] == b"GIF89a"
        assert -1 <= figures[f"{name}_pixel_mean"] <= 1 and figures[f"{name}_pixel_std"] > 0
    # the reference: the first `samples` test images, pixels in [-1, 1]
    _, _, test = fd._splits(get("fashion_diffusion").configure(overrides))
    real = np.stack([test[i][0].numpy() for i in range(6)])
    assert figures["data_pixel_mean"] == pytest.approx(real.mean(), rel=1e-5)
    keys = {f"{s}_{k}" for s in ("data", "sde", "ode")
            for k in ("confidence", "class_entropy", "largest_class_share")}
    if not with_classifier:
        assert not keys & set(figures)
        return
    assert keys <= set(figures)
    model = wl.train.run.load_run(classifier)[2]
    assert figures["data_class_entropy"] == pytest.approx(
        fd.class_spread(fd.classifier_probs(model, real))["class_entropy"])
    for name in ("data", "sde", "ode"):
        assert 0.1 <= figures[f"{name}_confidence"] <= 1
        assert 0 <= figures[f"{name}_class_entropy"] <= math.log(6) + 1e-9
        assert 1 / 6 <= figures[f"{name}_largest_class_share"] <= 1
