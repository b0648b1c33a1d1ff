"""Every shipped recipe through the command for two steps (the full runs are
examples/reproduce.py's job), the demo, `wonderland viz graph`, and a recipe whose data is
missing offline."""
import json
import math
import urllib.error

import pytest

from wonderland import cli
from wonderland.data.datasets import download
from wonderland.recipes import names


@pytest.mark.parametrize("name", names())
def test_two_steps_of_every_recipe(name, recipe_data_args, tmp_path, capsys):
    run = tmp_path / name
    args = ["train", name, "--run-dir", str(run), "--no-progress", "--steps", "2",
            "--eval_every", "1", "--checkpoint_every", "1", "--log_every", "1",
            "--batch_size", "8", *recipe_data_args(name)]
    assert cli.main(args) == 0, capsys.readouterr().err
    results = json.loads((run / "results.json").read_text())
    split = "test" if "test" in results else "val"  # the language models have no test split
    metric = "accuracy" if "accuracy" in results[split] else "loss"  # a density model: its NLL
    metric = "return" if "return" in results[split] else metric  # an RL policy: its return
    assert results["steps"] == 2 and math.isfinite(results[split][metric])
    assert f"{split} {metric}" in capsys.readouterr().out
    assert cli.main(["eval", str(run), "--split", split]) == 0


def test_demo_is_the_mnist1d_cnn(mnist1d_root, tmp_path, capsys):
    args = ["demo", "--run-dir", str(tmp_path / "demo"), "--no-progress", "--steps", "2",
            "--data_root", mnist1d_root]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("mnist1d_cnn:") and "published accuracy 0.94" in out
    assert json.loads((tmp_path / "demo" / "config.json").read_text())["recipe"] == "mnist1d_cnn"


def test_viz_graph_of_a_recipe(mnist1d_root, tmp_path, capsys):
    out = tmp_path / "cnn.svg"
    assert cli.main(["viz", "graph", "mnist1d_cnn", "--out", str(out),
                     "--data_root", mnist1d_root]) == 0
    svg = out.read_text()
    assert "<svg" in svg and ".weight" in svg and "Conv" in svg


@pytest.mark.parametrize("name", ["fashion_mlp", "fashion_cnn"])
def test_missing_data_offline_says_how_to_get_it(name, tmp_path, monkeypatch, capsys):
    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(download.urllib.request, "urlopen", offline)
    run, root = tmp_path / "runs" / name, tmp_path / "no" / "data"
    assert cli.main(["train", name, "--run-dir", str(run), "--data_root", str(root),
                     "--no-progress"]) == 2
    message = capsys.readouterr().err.splitlines()[0]
    assert message.startswith(f"wonderland train: FashionMNIST: train-images-idx3-ubyte(.gz) is "
                              f"not in {root} and downloading http")
    assert "name resolution" in message and "apt-get install dataset-fashion-mnist" in message
    assert f"run once online to download them into {root}" in message
    assert list(tmp_path.iterdir()) == []  # no run directory, no empty data folder
