"""Reproduce the published tables: train every reproduction recipe in full, then write
docs/results.md with our test accuracy next to the published figure and the wall time.

    python examples/reproduce.py                       # all of them (about an hour on 2 cores)
    python examples/reproduce.py mnist1d_cnn --steps 50 --out /tmp/results.md   # a quick check
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from wonderland.recipes import get
from wonderland.train.run import train_recipe

RECIPES = ["mnist1d_logreg", "mnist1d_mlp", "mnist1d_cnn", "mnist1d_gru", "fashion_mlp",
           "fashion_cnn"]
ROOT = Path(__file__).resolve().parents[1]


def table(rows: list[dict]) -> str:
    lines = ["| recipe | dataset | model | test accuracy | published | difference | steps | "
             "wall time |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ours, pub = r["test"]["accuracy"], (r["published"] or {}).get("test_accuracy")
        diff = f"{100 * (ours - pub):+.1f} points" if pub is not None else ""
        pub_text = f"{pub:.2f}" if pub is not None else ""
        lines.append(f"| `{r['recipe']}` | {r['dataset']} | {r['model']} | {ours:.4f} | "
                     f"{pub_text} | {diff} | {r['steps']} | {r['wall_time_s']:.0f} s |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("recipes", nargs="*", default=RECIPES)
    p.add_argument("--steps", type=int, help="override every recipe's step count (a smoke run)")
    p.add_argument("--runs", default="runs/reproduce", help="where the run directories go")
    p.add_argument("--out", default=str(ROOT / "docs" / "results.md"))
    p.add_argument("--no-progress", action="store_true")
    args = p.parse_args()
    rows, sources = [], {}
    for name in args.recipes:
        recipe = get(name)
        overrides = {"steps": args.steps} if args.steps else {}
        # resume: a reproduction that was interrupted continues, a finished one is re-evaluated
        results = train_recipe(recipe, overrides, Path(args.runs) / name, resume=True,
                               progress=not args.no_progress)
        dataset, _, model = recipe.description.partition(", ")
        rows.append({**results, "dataset": dataset, "model": model or recipe.description})
        if recipe.published and recipe.published.get("source"):
            sources[recipe.published["source"]] = True
        print(f"{name}: test accuracy {results['test']['accuracy']:.4f} "
              f"in {results['wall_time_s']:.0f} s")
    cpu = platform.processor() or platform.machine()
    text = (f"# Reproduced results\n\nWritten by `python examples/reproduce.py` on "
            f"{time.strftime('%Y-%m-%d')} ({cpu}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}). Each recipe trains from scratch with its default "
            f"settings, its seed included (`wonderland train <recipe>` runs the same); the "
            f"accuracy is the final model's on the test split.\n\n{table(rows)}\n\n"
            f"Sources of the published figures:\n\n" + "\n".join(f"- {s}" for s in sources) + "\n")
    Path(args.out).write_text(text)
    print(f"wrote {args.out}")
    print(json.dumps([{k: r[k] for k in ("recipe", "test", "wall_time_s")} for r in rows],
                     indent=1))


if __name__ == "__main__":
    main()
