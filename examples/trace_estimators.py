"""Hutchinson against Hutch++ (Meyer, Musco, Musco & Woodruff 2021): the relative error of each
estimate of tr A against the number of matrix-vector products, median over trials, on symmetric
matrices A = U diag(i^-c) U^T (U a random rotation) whose spectra decay slowly to fast. The
paper's claim: where the spectrum decays, Hutch++'s error falls as 1/m and Hutchinson's as
1/sqrt(m). The slopes of log error against log m are fitted over the range of m.
Writes docs/trace_estimators.json (read by section() for docs/results.md) and
docs/pictures/trace_estimators.png, and prints the table.

    python examples/trace_estimators.py                  # about two minutes on one core
    python examples/trace_estimators.py --trials 5 --dim 100 --out /tmp/t.json
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from generative_models import recipe_blocks

import wonderland as wl
from wonderland.atomic import write_atomic
from wonderland.func import hutchinson, hutchpp

ROOT = Path(__file__).resolve().parents[1]
ODE_RECIPES = ("spiral_ode", "moons_cnf")  # reproduce.py's rows this page section shows
DECAYS = {"slow (c = 0.5)": 0.5, "medium (c = 1)": 1.0, "fast (c = 2)": 2.0}
MATVECS = (12, 24, 48, 96, 192, 384)
ESTIMATORS = {"Hutchinson": hutchinson, "Hutch++": hutchpp}


def test_matrix(dim: int, decay: float, seed: int) -> np.ndarray:
    """U diag(i^-decay) U^T for a random rotation U."""
    u, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(dim, dim)))
    return (u * np.arange(1, dim + 1, dtype=np.float64) ** -decay) @ u.T


def measure(dim: int, trials: int, seed: int = 0) -> dict:
    """{spectrum: {estimator: [median relative error for each m in MATVECS]}}."""
    out = {}
    for label, decay in DECAYS.items():
        a = test_matrix(dim, decay, seed)
        mat, like, trace = wl.tensor(a), wl.zeros(dim, dtype=wl.float64), float(np.trace(a))
        gen, matvec = wl.Generator(seed), mat.__matmul__
        out[label] = {name: [float(np.median([
            abs(float(est(matvec, like, m, "rademacher", gen).item()) - trace) / trace
            for _ in range(trials)])) for m in MATVECS] for name, est in ESTIMATORS.items()}
    return out


def slope(errors: list[float]) -> float:
    """The fitted exponent p of error ~ m^p (over the nonzero errors: a sketch as large as the
    matrix is exact)."""
    m, e = np.array(MATVECS, dtype=float), np.array(errors)
    keep = e > 1e-12
    return float(np.polyfit(np.log(m[keep]), np.log(e[keep]), 1)[0])


def table(store: dict) -> str:
    head = ("| spectrum | estimator | " + " | ".join(f"m = {m}" for m in MATVECS)
            + " | fitted slope |")
    lines = [head, "|---" * (len(MATVECS) + 3) + "|"]
    for label, by_estimator in store["errors"].items():
        for name, errs in by_estimator.items():
            lines.append(f"| {label} | {name} | " + " | ".join(f"{e:.2e}" for e in errs)
                         + f" | {slope(errs):+.2f} |")
    return "\n".join(lines)


def picture(store: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(store["errors"]), figsize=(4 * len(store["errors"]), 3.4),
                             sharey=True)
    for ax, (label, by_estimator) in zip(axes, store["errors"].items()):
        for name, errs in by_estimator.items():
            ax.loglog(MATVECS, errs, "o-", label=name)
        ax.set_title(f"spectrum {label}")
        ax.set_xlabel("matrix-vector products m")
    axes[0].set_ylabel("median relative error")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def section(rows: list[dict], page_dir: Path) -> str:
    """The page's differential-equation section ('' when none of it was run): the ODE recipes'
    figures and pictures, and the trace-estimator table once this script has run."""
    odes = [r for r in rows if r.get("ode")]
    kept = Path(page_dir) / "trace_estimators.json"
    if not odes and not kept.exists():
        return ""
    parts = ["\n## Differential equations\n"]
    if odes:
        parts.append("A neural ODE fitted to torchdiffeq's spiral (the final model integrates "
                     "the whole trajectory from its first point; the figure is its mean "
                     "absolute error against the true one), and a continuous normalising flow "
                     "on moons_realnvp's data (its test NLL with the exact divergence and with "
                     "Hutchinson's, and what each cost). "
                     "[differential_equations.md](differential_equations.md) explains the "
                     "solvers, the adjoint and the estimators.\n")
        parts.extend(recipe_blocks(odes))
    if kept.exists():
        parts.append(_trace_section(json.loads(kept.read_text())))
    return "\n".join(parts)


def _trace_section(store: dict) -> str:
    return (f"\n### Trace estimators: Hutchinson and Hutch++\n\nMeyer et al. (2021) claim that "
            f"Hutch++ needs O(1/eps) matrix-vector products where Hutchinson needs O(1/eps^2) "
            f"for a relative error eps on matrices whose spectrum decays: errors falling as "
            f"1/m against 1/sqrt(m), slopes -1 and -0.5 on a log-log plot. Median relative "
            f"error of {store['trials']} estimates of tr A (Rademacher probes, `wl.func."
            f"hutchinson` / `wl.func.hutchpp`) for A = U diag(i^-c) U^T of size {store['dim']} "
            f"({store['seconds']:.0f} s; `python examples/trace_estimators.py`):\n\n"
            f"{table(store)}\n\n![trace estimators](pictures/trace_estimators.png)\n\n"
            f"Where the spectrum decays fast, Hutch++'s error falls at least as 1/m, as the "
            f"paper claims, and orders of magnitude below Hutchinson's; where it decays slowly, "
            f"most of the trace lies outside any small sketch and the two behave alike, both "
            f"near 1/sqrt(m).\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dim", type=int, default=500)
    p.add_argument("--trials", type=int, default=100)
    p.add_argument("--out", default=str(ROOT / "docs" / "trace_estimators.json"))
    args = p.parse_args()
    start = time.perf_counter()
    errors = measure(args.dim, args.trials)
    store = {"dim": args.dim, "trials": args.trials, "matvecs": list(MATVECS),
             "errors": errors, "seconds": time.perf_counter() - start,
             "date": time.strftime("%Y-%m-%d")}
    out = Path(args.out)
    write_atomic(out, (json.dumps(store, indent=1) + "\n").encode())
    pictures = out.parent / "pictures"
    pictures.mkdir(parents=True, exist_ok=True)
    picture(store, pictures / "trace_estimators.png")
    print(table(store))
    print(f"wrote {out} in {store['seconds']:.0f} s")


if __name__ == "__main__":
    main()
