"""The benchmarks run end to end as a user runs them: a subprocess with a few steps, its table
and its plot."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_optimizers_benchmark_smoke(tmp_path):
    out = tmp_path / "plots" / "optimizers.png"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "optimizers.py"),
                           "--steps", "3", "--out", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT, env=env)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert "| SGD | SGD |" in proc.stdout, proc.stdout
    assert out.stat().st_size > 1000


def test_core_ops_benchmark_smoke():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "core_ops.py"),
                           "--steps", "1"], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert proc.stdout.count("x |") == 2, proc.stdout


def test_jacobian_modes_benchmark_smoke():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "jacobian_modes.py"),
                           "--repeats", "1"], capture_output=True, text=True, timeout=600,
                          cwd=ROOT)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert "| 1000 | 1 |" in proc.stdout and "| rev |" in proc.stdout and "| fwd |" in proc.stdout


def test_matmul_benchmark_smoke():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "matmul.py"), "--threads",
                           "1", "--sizes", "64", "--repeats", "1", "--crossover", "16",
                           "--error-size", "64"], capture_output=True, text=True, timeout=600,
                          cwd=ROOT)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert "GFLOP/s" in proc.stdout and "| 64 |" in proc.stdout
    assert "| Strassen, crossover 16 | 2 |" in proc.stdout


def test_winograd_benchmark_smoke():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "winograd.py"), "--threads",
                           "1", "--quick"], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert "| float32 |" in proc.stdout and "| float64 |" in proc.stdout
    assert "| 4, 8, 8, 8 |" in proc.stdout


def test_shakespeare_gpt_benchmark_smoke(tmp_path, text_root):
    out = tmp_path / "figures.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "shakespeare_gpt.py"),
                           "--steps", "2", "--tokens", "4", "--data-root", text_root,
                           "--json", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    figures = json.loads(out.read_text())
    # the twin starts from the same weights and takes the same batches: the same loss
    assert abs(figures["wonderland"]["val_loss"] - figures["torch"]["val_loss"]) < 1e-4
    assert figures["generation"]["torch"]["cached"] > 0 and "ratio" in proc.stdout


def test_gpt_profile_smoke(text_root):
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "profile_gpt.py"),
                           "--steps", "2", "--data-root", text_root],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert "matmul and Linear" in proc.stdout and "ms a step" in proc.stdout


def test_ppo_twin_benchmark_smoke(tmp_path):
    out = tmp_path / "figures.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "ppo_twin.py"),
                           "--steps", "2", "--json", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    figures = json.loads(out.read_text())
    assert figures["env_steps"] == 2 * 512 and figures["same_init"]
    for who in ("wonderland", "torch"):  # a random policy's CartPole episodes: about 22 steps
        assert figures[who]["episodes"] > 10 and 8 < figures[who]["last_mean"] < 100
    assert "ratio wonderland / torch" in proc.stdout


def test_distributed_benchmark_smoke():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "distributed.py"),
                           "--width", "32", "--batch", "8", "--repeats", "1"],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert "| 2 ranks x 1 thread, DDP |" in proc.stdout, proc.stdout
    assert proc.stdout.count("| GPT-2 small (496 MB) |") == 4, proc.stdout
