"""The examples run end to end as a user runs them: a subprocess, its printed log, its files."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

import wonderland as wl

ROOT = Path(__file__).resolve().parents[1]
DIGITS = ROOT / "examples" / "train_digits.py"
LINE = re.compile(r"^step\s+(\d+)\s+train_loss\s+([\d.]+)\s+test_acc\s+([\d.]+)", re.M)
FINAL = re.compile(r"final test accuracy ([\d.]+)")

def run_digits(out: Path, *args: str) -> str:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, str(DIGITS), "--out", str(out), *args],
                          capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_digits_smoke_run_writes_checkpoint_and_plot(tmp_path):
    out = tmp_path / "run"
    stdout = run_digits(out, "--steps", "30")
    logged = [(int(s), float(loss)) for s, loss, _ in LINE.findall(stdout)]
    assert len(logged) >= 2, stdout
    assert logged[-1][0] == 30
    assert logged[-1][1] < logged[0][1], f"loss did not decrease: {logged}"
    assert FINAL.search(stdout), stdout

    checkpoint = wl.load(out / "model.safetensors")
    assert all(np.isfinite(t.numpy()).all() for t in checkpoint.values())
    assert {k: t.shape for k, t in checkpoint.items()} == {
        "0.weight": (64, 64), "0.bias": (64,), "2.weight": (10, 64), "2.bias": (10,),
        "mean": (64,), "std": (64,)}
    assert (out / "curves.png").stat().st_size > 1000
    assert sorted(p.name for p in out.iterdir()) == ["curves.png", "model.safetensors"]


def test_digits_learns(tmp_path):
    stdout = run_digits(tmp_path / "run", "--steps", "300", "--seed", "1")
    acc = float(FINAL.search(stdout).group(1))
    assert acc >= 0.9, stdout


def test_reproduce_writes_the_results_table(tmp_path):
    out = tmp_path / "results.md"
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "reproduce.py"),
                           "mnist1d_logreg", "mnist1d_mlp", "--steps", "3", "--seeds", "2",
                           "--no-progress",
                           "--runs", str(tmp_path / "runs"), "--out", str(out)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env={**os.environ, "MPLBACKEND": "Agg"})
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert [r.split("|")[1].strip() for r in rows] == ["`mnist1d_logreg`", "`mnist1d_mlp`"]
    assert "| 0.32 |" in rows[0] and "| 0.68 |" in rows[1] and "Greydanus" in text
    for row in rows:
        assert " 3 |" in row and "points" in row and "±" in row and "| 0: 0." in row


def test_reproduce_keeps_the_rows_it_did_not_run(tmp_path):
    # a results store holding a row from an earlier run: running another recipe keeps it
    out = tmp_path / "results.md"
    earlier = {"recipe": "fashion_cnn", "dataset": "Fashion-MNIST", "model": "CNN",
               "published": {"test_accuracy": 0.91, "source": "Zalando"}, "seeds": [0],
               "values": [0.9115], "walls": [1086.0], "date": "2026-11-22",
               "figure": "test_accuracy", "steps": 4300}
    (tmp_path / "results.json").write_text(json.dumps({"rows": {"fashion_cnn": earlier}}))
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "reproduce.py"),
                           "mnist1d_logreg", "--steps", "2", "--seeds", "1", "--no-progress",
                           "--runs", str(tmp_path / "runs"), "--out", str(out)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env={**os.environ, "MPLBACKEND": "Agg"})
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in out.read_text().splitlines() if line.startswith("| `")]
    assert [r.split("|")[1].strip() for r in rows] == ["`mnist1d_logreg`", "`fashion_cnn`"]
    assert "| 0.9115 | 0.91 | +0.1 points |" in rows[1] and "2026-11-22" in rows[1]
    stored = json.loads((tmp_path / "results.json").read_text())["rows"]
    assert set(stored) == {"mnist1d_logreg", "fashion_cnn"}


def test_reproduce_adds_seeds_to_a_stored_row(tmp_path):
    # seed 0's figure is kept from the store (its run directory is gone); only seed 1 trains
    out = tmp_path / "results.md"
    earlier = {"recipe": "mnist1d_logreg", "dataset": "MNIST-1D", "model": "logistic",
               "published": {"test_accuracy": 0.32}, "seeds": [0], "values": [0.3], "walls": [9.0],
               "date": "2026-11-22", "figure": "test_accuracy", "steps": 2,
               "tests": [{"accuracy": 0.3}]}
    (tmp_path / "results.json").write_text(json.dumps({"rows": {"mnist1d_logreg": earlier}}))

    def reproduce(*extra):
        return subprocess.run([sys.executable, str(ROOT / "examples" / "reproduce.py"),
                               "mnist1d_logreg", "--steps", "2", "--seeds", "2", "--no-progress",
                               "--runs", str(tmp_path / "runs"), "--out", str(out), *extra],
                              capture_output=True, text=True, timeout=300, cwd=ROOT,
                              env={**os.environ, "MPLBACKEND": "Agg"})

    proc = reproduce("--from-seed", "1")
    assert proc.returncode == 0, proc.stderr
    row = json.loads((tmp_path / "results.json").read_text())["rows"]["mnist1d_logreg"]
    assert row["seeds"] == [0, 1] and row["values"][0] == 0.3 and row["walls"][0] == 9.0
    assert not (tmp_path / "runs" / "mnist1d_logreg" / "seed0").exists()
    assert (tmp_path / "runs" / "mnist1d_logreg" / "seed1" / "results.json").exists()
    refused = reproduce("--from-seed", "3")
    assert refused.returncode != 0 and "needs mnist1d_logreg's stored row" in refused.stderr


def test_the_language_model_section_shows_the_comparison_twin_and_samples():
    sys.path.insert(0, str(ROOT / "examples"))
    import language_models

    def row(name, loss, wall, params):
        curve = [[step, 4.0 - step / 1000] for step in range(250, 2001, 250)]
        return {"recipe": name, "values": loss, "walls": [wall] * len(loss), "steps": 2000,
                "parameters": params, "sample": f"text of {name}", "val_curve": curve}

    rows = [row("shakespeare_char_gpt", [1.90, 1.88, 1.92], 170.0, 804_096),
            row("shakespeare_char_gru", [1.95], 600.0, 822_849),
            {"recipe": "mnist1d_cnn"}]
    twin = {"threads": 2, "date": "2026-12-07", "torch_version": "2.13.0", "steps": 2000,
            "wonderland": {"val_loss": 1.90, "wall_s": 140.0},
            "torch": {"val_loss": 1.901, "wall_s": 56.0},
            "generation": {"tokens": 200, "wonderland": {"cached": 300.0, "uncached": 280.0},
                           "torch": {"cached": 900.0, "uncached": 700.0}}}
    text = language_models.section(rows, twin)
    assert ("| `shakespeare_char_gpt` | 804,096 | 1.900 ± 0.016 | 2000 | 170 s | 85 ms | "
            "2.000 (step 2000) |") in text
    # 170 s of the GRU's 300 ms steps: step 566, its last evaluation by then at step 500
    assert ("| `shakespeare_char_gru` | 822,849 | 1.950 | 2000 | 600 s | 300 ms | "
            "3.500 (step 500) |") in text
    assert "| wonderland, `wonderland train` (3 seeds, mean) | 1.900 | 170 s | |" in text
    assert "| wonderland, the twin's script (seed 0) | 1.900 | 140 s | 2.50 |" in text
    assert "| PyTorch 2.13.0, the twin's script (seed 0) | 1.901 | 56 s | 1.00 |" in text
    assert "| torch | 900 | 700 |" in text and "text of shakespeare_char_gru" in text
    assert "mnist1d" not in text
    assert language_models.section([{"recipe": "mnist1d_cnn"}], None) == ""


def test_the_generative_section_shows_every_figure_and_the_pictures(tmp_path):
    sys.path.insert(0, str(ROOT / "examples"))
    import generative_models

    run = tmp_path / "runs" / "seed0"
    run.mkdir(parents=True)
    for name in ("curves.png", "samples.png", "reverse_sde.gif", "config.json"):
        (run / name).write_bytes(b"x")
    page = tmp_path / "docs"
    kept = generative_models.extras("toy_gan", run, page / "pictures", page)
    assert kept == {"pictures": ["pictures/toy_gan/reverse_sde.gif",
                                 "pictures/toy_gan/samples.png"]}
    assert (page / "pictures" / "toy_gan" / "samples.png").read_bytes() == b"x"
    row = {"recipe": "toy_gan", "dataset": "8 Gaussians", "model": "WGAN-GP", "generative": True,
           "tests": [{"mmd": 0.01, "mmd_floor": 0.001}, {"mmd": 0.03, "mmd_floor": 0.001}],
           **kept}
    text = generative_models.section([row, {"recipe": "mnist1d_cnn"}])
    assert "### `toy_gan`\n\n8 Gaussians, WGAN-GP.\n" in text
    assert "| mmd | 0.02 | 0.01 | 2 |" in text and "| mmd floor | 0.001 | 0 | 2 |" in text
    assert "![samples](pictures/toy_gan/samples.png)" in text and "curves" not in text
    assert generative_models.section([{"recipe": "mnist1d_cnn"}]) == ""


def test_the_generative_section_shows_the_vae_twin():
    sys.path.insert(0, str(ROOT / "examples"))
    import generative_models

    row = {"recipe": "fashion_vae", "dataset": "Fashion-MNIST", "model": "VAE",
           "generative": True, "tests": [{"loss": 244.5}]}
    twin = {"steps": 4690, "threads": 1, "date": "2026-12-07", "within_1pct": True,
            "wonderland": {"test_nelbo": 244.46, "wall_s": 154.0},
            "torch": {"test_nelbo": 244.51, "wall_s": 112.0}}
    text = generative_models.section([row], {"fashion_vae": twin, "fashion_conv_vae": None})
    assert ("| `fashion_vae` | 4690 | 244.460 | 244.510 | 0.99980 | yes | 154 s | 112 s | 1.38 | "
            "1 | 2026-12-07 |") in text
    assert "### The VAEs in PyTorch" not in generative_models.section([row])


def test_a_description_splits_at_its_first_comma_outside_parentheses():
    sys.path.insert(0, str(ROOT / "examples"))
    from reproduce import split_description

    assert split_description("swiss roll (noise 0.25, x-z plane), RealNVP 8 x 64, Adam") == (
        "swiss roll (noise 0.25, x-z plane)", "RealNVP 8 x 64, Adam")
    assert split_description("MNIST-1D, CNN") == ("MNIST-1D", "CNN")
    assert split_description("a model alone") == ("a model alone", "a model alone")


def test_trace_estimators_writes_its_table_and_the_page_section(tmp_path):
    out = tmp_path / "docs" / "trace_estimators.json"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "trace_estimators.py"),
                           "--trials", "3", "--dim", "40", "--out", str(out)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    store = json.loads(out.read_text())
    assert set(store["errors"]) == {"slow (c = 0.5)", "medium (c = 1)", "fast (c = 2)"}
    fast = store["errors"]["fast (c = 2)"]
    assert fast["Hutch++"][2] < fast["Hutchinson"][2]  # m = 48: a sketch beats plain probes
    assert (tmp_path / "docs" / "pictures" / "trace_estimators.png").stat().st_size > 1000
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import trace_estimators
    finally:
        sys.path.remove(str(ROOT / "examples"))
    text = trace_estimators.section([], out.parent)
    assert "### Trace estimators" in text and "| fast (c = 2) | Hutch++ |" in text


def test_discretisations_draws_its_picture(tmp_path):
    out = tmp_path / "discretisations.png"
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "discretisations.py"),
                           "--out", str(out)], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, env={**os.environ, "MPLBACKEND": "Agg"})
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert out.stat().st_size > 10_000
