"""The fashion_resnet recipe: its network (the pooled-stem ResNet, 308,074 parameters), its
augmented training split beside plain validation and test splits, its optimizer, schedule and
smoothed loss, and a two-step run end to end on fake Fashion-MNIST."""
import numpy as np

import wonderland as wl
from wonderland.recipes import get
from wonderland.recipes._common import FASHION_MEAN, FASHION_STD
from wonderland.train.run import build, train_recipe


def test_network_and_training_set_up(fashion_root):
    recipe = get("fashion_resnet")
    cfg = recipe.configure({"data_root": fashion_root, "val_size": 8})
    model = recipe.model(cfg)
    assert sum(p.numel() for p in model.parameters()) == 308_074
    assert model(wl.zeros(2, 1, 28, 28)).shape == (2, 10)
    opt = recipe.optimizer(cfg, model.parameters())
    group = opt.param_groups[0]
    assert group["nesterov"] and group["momentum"] == 0.9 and group["weight_decay"] == 5e-4
    sched = recipe.scheduler(cfg, opt)
    for _ in range(cfg["steps"] // 2):
        sched.step()
    assert abs(opt.param_groups[0]["lr"] - 0.05) < 1e-9  # half way down the cosine
    logits, y = wl.tensor([[2.0, 0.0, -1.0] + [0.0] * 7]), wl.tensor([0])
    want = wl.nn.functional.cross_entropy(logits, y, label_smoothing=0.1)
    assert float(recipe.loss(logits, y)) == float(want)


def test_only_the_training_split_is_augmented(fashion_root):
    recipe = get("fashion_resnet")
    cfg = recipe.configure({"data_root": fashion_root, "val_size": 8})
    train, val, test = recipe.data(cfg)
    assert (len(train), len(val), len(test)) == (32, 8, 10)
    raw = wl.data.datasets.FashionMNIST(fashion_root, train=True)
    plain = lambda i: (np.asarray(raw[i][0], np.float32) / 255 - FASHION_MEAN) / FASHION_STD  # noqa: E731
    i = val.indices[0]
    np.testing.assert_allclose(val[0][0].numpy()[0], plain(i), atol=1e-6)  # the same each time
    wl.manual_seed(0)
    j = train.indices[0]
    draws = [train[0][0].numpy()[0] for _ in range(8)]
    assert any(not np.allclose(d, plain(j), atol=1e-6) for d in draws)  # cropped or flipped
    for d in draws:  # each draw is the image shifted by up to 2 pixels, maybe mirrored
        assert d.shape == (28, 28)


def test_two_steps_end_to_end(fashion_root, tmp_path):
    small = {"steps": 2, "batch_size": 8, "eval_every": 2, "checkpoint_every": 2,
             "log_every": 1, "data_root": fashion_root, "val_size": 8, "widths": [4, 8, 8]}
    results = train_recipe(get("fashion_resnet"), small, tmp_path / "run", progress=False)
    assert 0 <= results["test"]["accuracy"] <= 1
    assert (tmp_path / "run" / "checkpoint.safetensors").exists()
    model, _ = build(get("fashion_resnet"), get("fashion_resnet").configure(small))
    assert model.layer3[0].conv2.weight.shape == (8, 8, 3, 3)
