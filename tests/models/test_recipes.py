"""The MNIST-1D and Fashion-MNIST recipes: what they declare (names, benchmark settings,
published figures, search spaces), the splits and models they build, and a few real training
steps through the Trainer on a small fake Fashion-MNIST and on MNIST-1D."""
import importlib
import json

import numpy as np
import optuna
import pytest

from wonderland.recipes import get
from wonderland.train import Recipe
from wonderland.train.run import build, train_recipe, trainer_for

MNIST1D = {"mnist1d_logreg": (410, 0.32), "mnist1d_mlp": (15_210, 0.68),
           "mnist1d_cnn": (5_210, 0.94), "mnist1d_gru": (5_134, 0.91)}
FASHION = {"fashion_mlp": 203_530, "fashion_cnn": 225_034}


@pytest.mark.parametrize("name", [*MNIST1D, *FASHION])
def test_each_module_defines_its_recipe(name):
    recipe = importlib.import_module(f"wonderland.recipes.{name}").recipe
    assert isinstance(recipe, Recipe) and recipe.name == name and get(name) is recipe
    assert recipe.description and recipe.published["source"]
    assert 0 < recipe.published["test_accuracy"] < 1


@pytest.mark.parametrize("name", MNIST1D)
def test_mnist1d_recipes_follow_the_benchmark(name, mnist1d_root):
    recipe = get(name)
    cfg = recipe.configure({"data_root": mnist1d_root})
    assert (cfg["steps"], cfg["batch_size"], cfg["lr"], cfg["weight_decay"]) == (6000, 100, 1e-2, 0)
    assert cfg["shuffle"] is False  # batches in the stored order
    assert recipe.published["test_accuracy"] == MNIST1D[name][1]
    model, (train, val, test) = build(recipe, cfg)
    assert model.num_parameters() == MNIST1D[name][0]
    assert (len(train), val, len(test)) == (4000, None, 1000)
    x, y = train[0]
    assert x.shape == (40,) and x.dtype == np.float32 and y.dtype == np.int64
    opt = recipe.optimizer(cfg, model.parameters())
    assert type(opt).__name__ == "Adam" and opt.param_groups[0]["lr"] == 1e-2


def test_val_size_holds_out_training_examples_by_seed(mnist1d_root):
    recipe = get("mnist1d_cnn")
    cfg = recipe.configure({"data_root": mnist1d_root, "val_size": 500})
    _, (train, val, test) = build(recipe, cfg)
    assert (len(train), len(val), len(test)) == (3500, 500, 1000)
    assert not set(train.indices) & set(val.indices)
    _, (_, again, _) = build(recipe, cfg)
    assert again.indices == val.indices
    _, (_, other, _) = build(recipe, {**cfg, "seed": 1})
    assert other.indices != val.indices
    with pytest.raises(ValueError, match="val_size"):
        build(recipe, {**cfg, "val_size": 4000})


@pytest.mark.parametrize("name", FASHION)
def test_fashion_recipes_read_data_root(name, fashion_root):
    recipe = get(name)
    cfg = recipe.configure({"data_root": fashion_root, "val_size": 8})
    model, (train, val, test) = build(recipe, cfg)
    assert model.num_parameters() == FASHION[name]
    assert (len(train), len(val), len(test)) == (32, 8, 10)
    x, y = train[0]
    assert x.shape == (1, 28, 28) and str(x.dtype) == "wonderland.float32"
    assert abs(float(x.numpy().mean())) < 2.0  # normalised, not raw bytes


@pytest.mark.parametrize("name", [*MNIST1D, *FASHION])
def test_best_weights_are_chosen_on_training_examples_held_out(name, mnist1d_root, fashion_root,
                                                              tmp_path):
    """MNIST-1D's benchmark has no validation split: the test split it evaluates during training
    chooses nothing. Fashion-MNIST's best weights are chosen on val_size training examples."""
    recipe = get(name)
    fashion = name in FASHION
    cfg = recipe.configure({"data_root": fashion_root if fashion else mnist1d_root,
                            **({"val_size": 8} if fashion else {})})
    trainer, loaders = trainer_for(recipe, cfg, tmp_path / "run", progress=False)
    assert trainer.save_best == fashion and trainer.val_split == ("val" if fashion else "test")
    if fashion:
        held_out, train = trainer.val_loader.dataset, trainer.train_loader.dataset
        assert held_out.dataset is train.dataset  # both are parts of the training set
        assert not set(held_out.indices) & set(train.indices)
        assert held_out.dataset is not loaders["test"].dataset


@pytest.mark.parametrize("name", [*MNIST1D, *FASHION])
def test_search_space_gives_known_settings(name):
    recipe = get(name)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(3):
        overrides = recipe.search_space(study.ask())
        cfg = recipe.configure(overrides)  # raises on an unknown key
        assert 1e-5 < cfg["lr"] < 1 and cfg["weight_decay"] >= 0
        assert cfg["val_size"] > 0  # tuning never selects on the test set


def test_fashion_cnn_trains_through_the_trainer(fashion_root, tmp_path):
    results = train_recipe(get("fashion_cnn"),
                           {"data_root": fashion_root, "val_size": 8, "steps": 3,
                            "batch_size": 8, "eval_every": 2, "checkpoint_every": 2},
                           run_dir=tmp_path / "run", progress=False)
    assert results["steps"] == 3 and 0 <= results["test"]["accuracy"] <= 1
    assert json.loads((tmp_path / "run" / "results.json").read_text())["recipe"] == "fashion_cnn"


@pytest.mark.parametrize("name", MNIST1D)
def test_mnist1d_recipes_learn(name, mnist1d_root, tmp_path):
    """60 steps of 100 (1.5 passes over the 4,000 examples) lift test accuracy well above
    chance (0.1)."""
    results = train_recipe(get(name), {"data_root": mnist1d_root, "steps": 60,
                                       "eval_every": 60, "checkpoint_every": 60},
                           run_dir=tmp_path / "run", progress=False)
    assert results["test"]["accuracy"] > 0.2, results
