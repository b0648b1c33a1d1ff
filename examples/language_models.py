"""The language models' part of docs/results.md, for examples/reproduce.py: each model's parameter
count and a sample of its text (extras, taken from seed 0's run), the PyTorch twin of the GPT run
on the same machine with generation speed with and without the key/value cache (twin, through
benchmarks/shakespeare_gpt.py when torch is installed), and the section that shows them."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from wonderland.train.run import load_run
from wonderland.train.run_dir import read_metrics
from wonderland.train.sample import sample_text

PREFIX = "shakespeare_char_"
SAMPLE_CHARS = {PREFIX + "gpt": 500}  # the recurrent models' samples are shorter


def extras(name: str, run_dir: Path) -> dict:
    """The parameter count, the validation curve [[step, loss], ...] and a sample (prompt: a
    newline) of a finished language-model run."""
    _, _, model = load_run(run_dir)
    curve = [[r["step"], r["loss"]] for r in read_metrics(run_dir) if r.get("split") == "val"]
    return {"parameters": sum(p.numel() for p in model.parameters()), "val_curve": curve,
            "sample": sample_text(run_dir, "\n", SAMPLE_CHARS.get(name, 250)).strip()}


def run_twin(root: Path, script: str, *args: str) -> dict | None:
    """The figures a twin script in benchmarks/ writes with --json, or None without torch."""
    try:
        import torch  # noqa: F401  (only to know whether the twin can run)
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "twin.json"
        subprocess.run([sys.executable, str(root / "benchmarks" / script), "--json", str(out),
                        *args], check=True)
        return json.loads(out.read_text())


def twin(root: Path, steps: int | None = None) -> dict | None:
    """benchmarks/shakespeare_gpt.py's figures (the PyTorch twin's run and the generation
    speeds), or None without torch."""
    return run_twin(root, "shakespeare_gpt.py", *(["--steps", str(steps)] if steps else []))


def _at_time(row: dict, seconds: float) -> str:
    """The validation loss the run had reached after `seconds` of its training (its last
    evaluation by then, at the run's mean time per step), as 'loss (step N)'."""
    per_step = float(np.mean(row["walls"])) / row["steps"]
    reached = [(step, loss) for step, loss in row.get("val_curve", [])
               if step * per_step <= seconds]
    return f"{reached[-1][1]:.3f} (step {reached[-1][0]})" if reached else "none yet"


def _comparison(rows: list[dict], budget: float) -> str:
    lines = ["| model | parameters | validation loss | steps | wall time per run | per step | "
             f"validation loss after {budget:.0f} s (the GPT's run) |", "|---" * 7 + "|"]
    for r in rows:
        loss, wall = np.array(r["values"]), float(np.mean(r["walls"]))
        spread = f" ± {loss.std():.3f}" if len(loss) > 1 else ""
        lines.append(f"| `{r['recipe']}` | {r['parameters']:,} | {loss.mean():.3f}{spread} | "
                     f"{r['steps']} | {wall:.0f} s | {1000 * wall / r['steps']:.0f} ms | "
                     f"{_at_time(r, budget)} |")
    return "\n".join(lines)


def _twin_section(gpt: dict, twin: dict) -> str:
    ours_loss, ours_wall = float(np.mean(gpt["values"])), float(np.mean(gpt["walls"]))
    run, speed, same = twin["torch"], twin["generation"], twin["wonderland"]
    lines = [
        "\n### The same recipe in PyTorch\n",
        f"`benchmarks/shakespeare_gpt.py` trains the PyTorch twin of the GPT on the same "
        f"machine ({twin['threads']} threads, {twin['date']}): the same layers under the same "
        f"names, starting from wonderland's seed-0 weights, fed the same batches in the same "
        f"order, with the same optimizer, schedule and clipping; both runs in one process, "
        f"timing the training steps alone. The recipe's own runs (through the Trainer, with "
        f"its evaluations and checkpoints) are the first row.\n",
        "| run | validation loss | wall time | ratio to PyTorch |", "|---|---|---|---|",
        f"| wonderland, `wonderland train` ({len(gpt['values'])} seeds, mean) | "
        f"{ours_loss:.3f} | {ours_wall:.0f} s | |",
        f"| wonderland, the twin's script (seed 0) | {same['val_loss']:.3f} | "
        f"{same['wall_s']:.0f} s | {same['wall_s'] / run['wall_s']:.2f} |",
        f"| PyTorch {twin['torch_version']}, the twin's script (seed 0) | {run['val_loss']:.3f} | "
        f"{run['wall_s']:.0f} s | 1.00 |",
        "\n### Generation speed\n",
        f"Characters per second, generating {speed['tokens']} after a one-character prompt, "
        f"batch 1, the GPT recipe's model:\n",
        "| framework | with the key/value cache | without (the whole context each step) |",
        "|---|---|---|",
    ]
    for name in ("wonderland", "torch"):
        lines.append(f"| {name} | {speed[name]['cached']:.0f} | {speed[name]['uncached']:.0f} |")
    return "\n".join(lines) + "\n"


def section(rows: list[dict], twin: dict | None) -> str:
    """The page's language-model section ('' when no language model was reproduced)."""
    lms = [r for r in rows if r["recipe"].startswith(PREFIX)]
    if not lms:
        return ""
    parts = ["\n## Language models on tiny Shakespeare\n",
             "Every model reads windows of 64 characters and trains as nanoGPT's CPU run "
             "(AdamW, warmup and cosine decay, clipping at 1, 12 windows a step); the "
             "validation loss is the mean cross-entropy per character over every "
             "non-overlapping window of the last 10% of the text. The recurrent models have the "
             "GPT's parameter count and take the same steps; their wall time per step says "
             "what a recurrence of 64 sequential steps costs here; the last column compares "
             "them at equal wall time, from their validation curves (evaluated every 250 "
             "steps).\n"]
    gpt = next((r for r in lms if r["recipe"] == PREFIX + "gpt"), None)
    parts.append(_comparison(lms, float(np.mean((gpt or lms[0])["walls"]))))
    if gpt is not None and twin is not None:
        parts.append(_twin_section(gpt, twin))
    parts.append("\n### Samples\n\nSeed 0's final model, prompted with a newline, temperature "
                 "0.8, top-k 200 (`wonderland sample RUN_DIR`):\n")
    for r in lms:
        parts.append(f"`{r['recipe']}`:\n\n```text\n{r['sample']}\n```\n")
    return "\n".join(parts)
