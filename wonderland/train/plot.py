"""Learning curves from metrics.jsonl drawn with matplotlib: loss per split on one panel and each
other metric on its own, for one run or several overlaid (a comparison)."""
from __future__ import annotations

import os
from pathlib import Path

from .run_dir import read_metrics


def _series(records: list[dict]) -> dict[tuple[str, str], tuple[list, list]]:
    """{(split, metric): (steps, values)} for every numeric metric logged."""
    out: dict = {}
    for r in records:
        split = r.get("split")
        if split is None or "step" not in r:
            continue
        for k, v in r.items():
            if k in ("step", "split", "epoch", "time", "samples_per_s", "lr") or \
                    not isinstance(v, (int, float)) or isinstance(v, bool):
                continue
            steps, values = out.setdefault((split, k), ([], []))
            steps.append(r["step"])
            values.append(v)
    return out


_STYLES = {"train": "-", "val": "--", "test": ":"}  # a split's line style, the same in every run


def plot_runs(run_dirs: list[str | os.PathLike], out: str | os.PathLike,
              title: str | None = None) -> Path:
    """Draw the curves of one or more run directories into `out` (png/svg/pdf) and return it.
    Each run has one colour in every panel (several runs: named in the legend); each split its
    line style: train solid, validation dashed, test dotted."""
    import matplotlib
    matplotlib.use("Agg")  # files only: works without a display
    import matplotlib.pyplot as plt

    names = [Path(d).name for d in run_dirs]
    if len(set(names)) < len(names):  # runs/a/x and runs/b/x: the paths tell them apart
        names = [str(d) for d in run_dirs]
    runs = [(name, _series(read_metrics(d))) for name, d in zip(names, run_dirs)]
    colors = _colors(len(runs))
    metrics = sorted({m for _, s in runs for (_, m) in s} - {"loss"})
    panels = ["loss", *metrics]
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.6), squeeze=False)
    for ax, metric in zip(axes[0], panels):
        for (name, series), color in zip(runs, colors):
            for (split, m), (steps, values) in sorted(series.items()):
                if m != metric:
                    continue
                label = split if len(runs) == 1 else f"{name} {split}"
                marker = "" if split == "train" else "o"  # evaluations are few: show each
                ax.plot(steps, values, linestyle=_STYLES.get(split, "-."), marker=marker,
                        color=color, label=label, markersize=3, linewidth=1.2)
        ax.set_xlabel("step")
        ax.set_ylabel(metric)
        losses = [v for _, s in runs for (_, m), (_, vs) in s.items() if m == "loss" for v in vs]
        if metric == "loss" and losses and min(losses) > 0:  # a critic's or an NLL may go below 0
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title or ", ".join(name for name, _ in runs))
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def _colors(n: int) -> list:
    """n distinct colours: matplotlib's default cycle, or evenly spread over a colour map when
    there are more runs than it has colours."""
    import matplotlib
    import numpy as np

    cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    if n <= len(cycle):
        return cycle[:n]
    return [tuple(c) for c in matplotlib.colormaps["turbo"](np.linspace(0.05, 0.95, n))]
