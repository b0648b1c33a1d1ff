"""The language-model recipes: nanoGPT's settings and schedule, the loss and metric over every
position, the AdamW groups, a few real steps of each on a small text the test writes (through
the Trainer, resumable, sampled from afterwards), and `wonderland sample`."""
import json
import math
import urllib.error

import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.cli import main
from wonderland.data.datasets import download
from wonderland.recipes import _lm, get
from wonderland.train.run import build, train_recipe
from wonderland.train.sample import sample_text

from ..conftest import SHAKESPEARE_CHARS

LMS = ["shakespeare_char_gpt", "shakespeare_char_gru", "shakespeare_char_lstm"]
SIZES = {"shakespeare_char_gpt": 804_096, "shakespeare_char_gru": 822_849,
         "shakespeare_char_lstm": 835_585}
# small enough for a few seconds; the text's characters are the 65 of tiny Shakespeare
SMALL = {"shakespeare_char_gpt": {"n_layer": 1, "n_head": 2, "n_embd": 16},
         "shakespeare_char_gru": {"hidden": 16}, "shakespeare_char_lstm": {"hidden": 16}}
def small(name, root, **more):
    return {"data_root": root, "download": False, "block_size": 8, "steps": 3, "batch_size": 4,
            "eval_every": 3, "checkpoint_every": 3, "log_every": 1, "warmup_steps": 1,
            "decay_steps": 3, **SMALL[name], **more}


def test_the_gpt_recipe_is_nanogpts_cpu_run():
    recipe = get("shakespeare_char_gpt")
    cfg = recipe.configure()
    assert (cfg["n_layer"], cfg["n_head"], cfg["n_embd"], cfg["block_size"], cfg["batch_size"],
            cfg["steps"], cfg["dropout"], cfg["bias"]) == (4, 4, 128, 64, 12, 2000, 0.0, False)
    assert (cfg["lr"], cfg["min_lr"], cfg["warmup_steps"], cfg["decay_steps"], cfg["beta2"],
            cfg["weight_decay"], cfg["clip_grad_norm"]) == (1e-3, 1e-4, 100, 2000, 0.99, 0.1, 1.0)
    assert recipe.published["val_loss"] == 1.88 and "nanoGPT" in recipe.published["source"]


@pytest.mark.parametrize("name", LMS)
def test_parameter_counts_match_the_gpt(name):
    recipe = get(name)
    model = recipe.model(recipe.configure())
    assert sum(p.numel() for p in model.parameters()) == SIZES[name]


def test_schedule_is_nanogpts_get_lr():
    cfg = get("shakespeare_char_gpt").configure()

    def get_lr(it):  # nanoGPT's train.py, transcribed
        if it < 100:
            return 1e-3 * (it + 1) / (100 + 1)
        if it > 2000:
            return 1e-4
        ratio = (it - 100) / (2000 - 100)
        return 1e-4 + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (1e-3 - 1e-4)

    p = wl.zeros(1, requires_grad=True)
    opt = wl.optim.SGD([p], lr=cfg["lr"])
    schedule = _lm.nanogpt_schedule(cfg, opt)
    seen = []
    for _ in range(2101):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        schedule.step()
    np.testing.assert_allclose(seen, [get_lr(t) for t in range(2101)], rtol=1e-12)


def test_adamw_decays_matrices_only():
    cfg = get("shakespeare_char_gpt").configure()
    model = get("shakespeare_char_gpt").model(cfg)
    opt = _lm.nanogpt_adamw(cfg, model.parameters())
    decay, plain = opt.param_groups
    assert decay["weight_decay"] == 0.1 and plain["weight_decay"] == 0.0
    assert all(p.ndim >= 2 for p in decay["params"]) and all(p.ndim < 2 for p in plain["params"])
    assert opt.defaults["betas"] == (0.9, 0.99)
    assert len(decay["params"]) + len(plain["params"]) == len(list(model.parameters()))


def test_loss_and_accuracy_cover_every_position():
    rng = np.random.default_rng(1)
    logits, target = rng.normal(size=(2, 5, 7)), rng.integers(0, 7, size=(2, 5))
    want = torch.nn.functional.cross_entropy(torch.tensor(logits).reshape(-1, 7),
                                             torch.tensor(target).reshape(-1))
    got = _lm.lm_loss(wl.tensor(logits), wl.tensor(target))
    assert abs(float(got) - float(want)) < 1e-12
    state = object()  # a recurrent model gives (logits, state)
    assert float(_lm.lm_loss((wl.tensor(logits), state), wl.tensor(target))) == float(got)
    hits = (logits.argmax(-1) == target).mean()
    assert _lm.next_char_accuracy(wl.tensor(logits), wl.tensor(target)) == pytest.approx(hits)


def test_splits_are_nanogpts_with_non_overlapping_validation(text_root):
    cfg = get("shakespeare_char_gpt").configure(small("shakespeare_char_gpt", text_root))
    _, (train, val, test) = build(get("shakespeare_char_gpt"), cfg)
    n = len(SHAKESPEARE_CHARS) + 3000
    assert test is None and len(train.vocab) == 65
    assert len(train) == int(n * 0.9) - 8 and len(val) == (n - int(n * 0.9) - 1) // 8
    np.testing.assert_array_equal(val[1][0], val.data[8:16])


@pytest.mark.parametrize("name", LMS)
def test_each_recipe_trains_resumes_and_samples(name, text_root, tmp_path):
    run = tmp_path / name
    results = train_recipe(get(name), small(name, text_root), run, progress=False)
    assert results["steps"] == 3 and math.isfinite(results["val"]["loss"])
    assert 3.5 < results["val"]["loss"] < 5.0  # near log(65) = 4.17 after three steps
    longer = train_recipe(get(name), small(name, text_root, steps=5), run, progress=False)
    assert longer["resumed_from_step"] == 3 and longer["steps"] == 5
    text = sample_text(run, "ROMEO:", 20, seed=1)
    assert text.startswith("ROMEO:") and len(text) == 26
    assert text == sample_text(run, "ROMEO:", 20, seed=1)  # seeded
    greedy = sample_text(run, "ab", 10, temperature=0)
    assert greedy == sample_text(run, "ab", 10, temperature=0, seed=5)


def test_wonderland_sample_command(text_root, tmp_path, capsys):
    run = tmp_path / "gpt"
    train_recipe(get("shakespeare_char_gpt"), small("shakespeare_char_gpt", text_root), run,
                 progress=False)
    assert main(["sample", str(run), "--prompt", "KING", "--tokens", "15", "--top-p",
                 "0.9"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("KING") and len(out.rstrip("\n")) >= 19
    assert main(["sample", str(run), "--prompt", "\u00e9t\u00e9"]) == 2  # not in the vocabulary
    assert "'\u00e9'" in capsys.readouterr().err
    assert json.loads((run / "results.json").read_text())["val"]["loss"] > 0


def test_sample_refuses_a_run_that_is_no_language_model(mnist1d_root, tmp_path):
    run = tmp_path / "logreg"
    train_recipe(get("mnist1d_logreg"), {"data_root": mnist1d_root, "steps": 1}, run,
                 progress=False)
    with pytest.raises(ValueError, match="no language model"):
        sample_text(run)


def test_missing_text_offline_says_how_to_get_it(tmp_path, monkeypatch, capsys):
    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(download.urllib.request, "urlopen", offline)
    root = tmp_path / "no" / "text"
    assert main(["train", "shakespeare_char_gpt", "--run-dir", str(tmp_path / "run"),
                 "--data_root", str(root), "--no-progress"]) == 2
    message = capsys.readouterr().err.splitlines()[0]
    assert message.startswith(f"wonderland train: TinyShakespeare: input.txt (checksummed) is "
                              f"not in {root} and downloading https://raw.githubusercontent.com")
    assert "name resolution" in message and "download=False" in message
    assert not (tmp_path / "run").exists() and not root.exists()
