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


def plot_runs(run_dirs: list[str | os.PathLike], out: str | os.PathLike,
              title: str | None = None) -> Path:
    """Draw the curves of one or more run directories into `out` (png/svg/pdf) and return it."""
    import matplotlib
    matplotlib.use("Agg")  # files only: works without a display
    import matplotlib.pyplot as plt

    runs = [(Path(d).name, _series(read_metrics(d))) for d in run_dirs]
    metrics = sorted({m for _, s in runs for (_, m) in s} - {"loss"})
    panels = ["loss", *metrics]
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.6), squeeze=False)
    for ax, metric in zip(axes[0], panels):
        for name, series in runs:
            for (split, m), (steps, values) in sorted(series.items()):
                if m != metric:
                    continue
                label = split if len(runs) == 1 else f"{name} {split}"
                style = "-" if split == "train" else "o-"
                ax.plot(steps, values, style, label=label, markersize=3, linewidth=1.2)
        ax.set_xlabel("step")
        ax.set_ylabel(metric)
        if metric == "loss":
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title or ", ".join(name for name, _ in runs))
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
