"""Where a training step of the GPT recipe (shakespeare_char_gpt) spends its time: cProfile over
--steps steps (after a few to warm the kernels up), the self time grouped by part of wonderland
(the primitives' forwards and vjps, the tape walk, bind's bookkeeping, the optimizer, the numba
kernels, NumPy itself) and the functions that take the most. docs/benchmarks.md quotes it.

    python benchmarks/profile_gpt.py [--steps 50] [--data-root DIR]
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from pathlib import Path

import wonderland as wl
from wonderland.data import DataLoader
from wonderland.recipes import get
from wonderland.train.run import build

ROOT = Path(__file__).resolve().parents[1]
SHARED_TEXT = ROOT.parent / "shared" / "data" / "tinyshakespeare"
# (label, what a profiled function's file path contains), first match wins
PARTS = [("numba kernels (softmax, gelu, layer norm, Adam)", "backend/cpu_kernels"),
         ("matmul and Linear (forward and vjp, BLAS inside)", "ops/matmul.py"),
         ("matmul and Linear (forward and vjp, BLAS inside)", "ops/affine.py"),
         ("other primitives' forward and vjp rules", "/ops/"),
         ("bind: recording the tape, versions, dtype checks", "core/"),
         ("the tape walk (backward)", "autodiff/"),
         ("optimizer and clipping", "optim/"),
         ("the model's Python (modules, forward)", "nn/"),
         ("the model's Python (modules, forward)", "models/"),
         ("composites (functional/)", "functional/"),
         ("NumPy and Python builtins", "~"),
         ("NumPy and Python builtins", "numpy")]


def part(filename: str) -> str:
    return next((label for label, key in PARTS if key in filename), "other")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--data-root", default=str(SHARED_TEXT) if SHARED_TEXT.is_dir() else None,
                    help="a folder with input.txt (default: the workplace's copy, else the cache)")
    args = ap.parse_args()
    recipe = get("shakespeare_char_gpt")
    cfg = recipe.configure({"data_root": args.data_root, "download": args.data_root is None})
    model, (train, _, _) = build(recipe, cfg)
    opt = recipe.optimizer(cfg, model.parameters())
    schedule = recipe.scheduler(cfg, opt)
    batches = iter(DataLoader(train, batch_size=cfg["batch_size"], shuffle=True, seed=0))

    def step():
        x, y = next(batches)
        loss = recipe.loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        wl.nn.utils.clip_grad_norm_(model.parameters(), cfg["clip_grad_norm"])
        opt.step()
        schedule.step()

    for _ in range(5):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    per_step = (time.perf_counter() - start) / args.steps
    profile = cProfile.Profile()
    profile.runcall(lambda: [step() for _ in range(args.steps)])
    stats = pstats.Stats(profile).stats
    total = sum(s[2] for s in stats.values())
    parts: dict[str, float] = {}
    for (filename, _, _), s in stats.items():
        parts[part(filename)] = parts.get(part(filename), 0.0) + s[2]
    print(f"{per_step * 1000:.1f} ms a step unprofiled ({cfg['batch_size']} x "
          f"{cfg['block_size']} characters); self time under the profiler, by part:")
    for label, t in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"  {100 * t / total:5.1f}%  {label}")
    print("the functions that take the most self time:")
    top = sorted(stats.items(), key=lambda kv: -kv[1][2])[:12]
    for (filename, line, name), s in top:
        where = filename.split("wonderland/")[-1] if "wonderland/" in filename else filename
        print(f"  {100 * s[2] / total:5.1f}%  {s[1]:6d} calls  {name} ({where}:{line})")


if __name__ == "__main__":
    main()
