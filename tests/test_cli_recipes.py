"""Every shipped recipe through the command for two steps (the full runs are
examples/reproduce.py's job), the demo, and `wonderland viz graph`."""
import json

import pytest

from wonderland import cli
from wonderland.recipes import names


def _data_args(name, mnist1d_root, fashion_root):
    root = fashion_root if name.startswith("fashion") else mnist1d_root
    extra = ["--val_size", "8"] if name.startswith("fashion") else []
    return ["--data_root", root, *extra]


@pytest.mark.parametrize("name", names())
def test_two_steps_of_every_recipe(name, mnist1d_root, fashion_root, tmp_path, capsys):
    run = tmp_path / name
    args = ["train", name, "--run-dir", str(run), "--no-progress", "--steps", "2",
            "--eval_every", "1", "--checkpoint_every", "1", "--log_every", "1",
            "--batch_size", "8", *_data_args(name, mnist1d_root, fashion_root)]
    assert cli.main(args) == 0, capsys.readouterr().err
    results = json.loads((run / "results.json").read_text())
    assert results["steps"] == 2 and 0 <= results["test"]["accuracy"] <= 1
    assert "test accuracy" in capsys.readouterr().out
    assert cli.main(["eval", str(run)]) == 0


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
