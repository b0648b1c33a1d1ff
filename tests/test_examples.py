"""The examples run end to end as a user runs them: a subprocess, its printed log, its files."""
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
