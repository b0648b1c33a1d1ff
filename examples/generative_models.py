"""The generative models' part of docs/results.md, for examples/reproduce.py: every figure a
recipe's assessment reports (likelihoods, sample distances and their fresh-data floors,
classifier scores of samples) as mean ± std over the seeds, the pictures seed 0's run drew,
copied beside the page (docs/pictures/<recipe>/) so that the page shows them, and the VAEs'
PyTorch twins (benchmarks/vae_twin.py)."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from language_models import run_twin

# the recipes with a PyTorch twin script, and its --model
VAE_TWINS = {"fashion_vae": "mlp", "fashion_conv_vae": "conv"}

PICTURE_SUFFIXES = (".png", ".gif")


def is_generative(recipe) -> bool:
    """A recipe that scores its model by its own assessment (see Recipe.assess)."""
    return recipe.assess is not None


def extras(name: str, run_dir: Path, pictures_dir: Path, page_dir: Path) -> dict:
    """Copy the pictures seed 0's run drew (not its training curves) into pictures_dir/name and
    return their paths relative to the page."""
    target = pictures_dir / name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    kept = []
    for picture in sorted(Path(run_dir).iterdir()):
        if picture.suffix in PICTURE_SUFFIXES and picture.name != "curves.png":
            shutil.copy2(picture, target / picture.name)
            kept.append((target / picture.name).relative_to(page_dir).as_posix())
    return {"pictures": kept}


def vae_twin(root: Path, name: str, steps: int | None = None) -> dict | None:
    """benchmarks/vae_twin.py's run of a VAE recipe beside its PyTorch twin at one thread (the
    threads the reproduction's runs get), or None without torch."""
    return run_twin(root, "vae_twin.py", "--model", VAE_TWINS[name], "--threads", "1",
                    *(["--steps", str(steps)] if steps else []))


def _twins(rows: list[dict], twins: dict) -> str:
    lines = ["\n### The VAEs in PyTorch\n",
             "`benchmarks/vae_twin.py` trains each VAE recipe beside its PyTorch twin in one "
             "process: the same layers, wonderland's seed-0 weights, the same batches in the "
             "same order and the same reparameterisation noise; only the training steps are "
             "timed, and both are scored by the test negative ELBO (nats per image) with one "
             "shared noise draw per image. The issue asks ours within 1% of PyTorch's.\n",
             "| recipe | steps | wonderland -ELBO | PyTorch -ELBO | ratio | within 1% | "
             "wonderland train time | PyTorch train time | time ratio | threads | run on |",
             "|---" * 11 + "|"]
    for r in rows:
        t = twins.get(r["recipe"])
        if t is None:
            continue
        ours, theirs = t["wonderland"], t["torch"]
        lines.append(f"| `{r['recipe']}` | {t['steps']} | {ours['test_nelbo']:.3f} | "
                     f"{theirs['test_nelbo']:.3f} | {ours['test_nelbo'] / theirs['test_nelbo']:.5f}"
                     f" | {'yes' if t['within_1pct'] else 'no'} | {ours['wall_s']:.0f} s | "
                     f"{theirs['wall_s']:.0f} s | {ours['wall_s'] / theirs['wall_s']:.2f} | "
                     f"{t['threads']} | {t['date']} |")
    return "\n".join(lines) + "\n"


def _figures(row: dict) -> str:
    """A line per figure: its mean ± std over the seeds' assessments."""
    tests = row.get("tests") or []
    names = [k for k in tests[0] if all(k in t for t in tests)] if tests else []
    lines = ["| figure | mean | std | seeds |", "|---|---|---|---|"]
    for k in names:
        v = np.array([t[k] for t in tests], dtype=float)
        spread = f"{v.std():.2g}" if len(v) > 1 else ""  # one seed: no spread to give
        lines.append(f"| {k.replace('_', ' ')} | {v.mean():.4g} | {spread} | {len(v)} |")
    return "\n".join(lines)


def recipe_blocks(rows: list[dict]) -> list[str]:
    """Per recipe: a heading, what it trains, all its assessed figures and its pictures."""
    parts = []
    for r in rows:
        parts.append(f"### `{r['recipe']}`\n\n{r['dataset']}, {r['model']}.\n")
        parts.append(_figures(r) + "\n")
        parts.extend(f"![{Path(p).stem}]({p})\n" for p in r.get("pictures", []))
    return parts


def section(rows: list[dict], twins: dict | None = None) -> str:
    """The page's generative-model section ('' when none was reproduced): per recipe, what it
    trains, all its figures and its pictures."""
    gens = [r for r in rows if r.get("generative")]
    if not gens:
        return ""
    parts = ["\n## Generative models\n",
             "Each recipe's `assess` scores the final model after training (`wonderland train` "
             "prints the same figures and writes the pictures into the run directory). Sample "
             "distances come with their floor: the same distance between two fresh draws of the "
             "data, which a perfect model would match. Pictures are seed 0's.\n"]
    parts.extend(recipe_blocks(gens))
    if twins:
        parts.append(_twins(gens, twins))
    return "\n".join(parts)
