"""Every optimizer in wonderland.optim trains the same MLP side by side with torch.optim.

A 64-32-10 tanh MLP on scikit-learn's digits (the 80% training split, full batch, cross-entropy)
from the same initial weights, for --steps steps with the same hyperparameters in both
frameworks. Optimizers are discovered from wonderland.optim (every Optimizer subclass), so ones
added later are picked up; LBFGS and NewtonCG get the closures they need. Prints a table (final
loss in each framework, wall-time ratios) and saves the loss curves to --out.
Smoke run: python benchmarks/optimizers.py --steps 3 --out /tmp/optimizers.png
"""
from __future__ import annotations

import argparse
import inspect
import os
import platform
import time
import traceback
from dataclasses import dataclass, field

import numpy as np
import torch

import wonderland as wl
import wonderland.nn.functional as F
from wonderland import nn
from wonderland.optim import Optimizer

# name -> (hyperparameters for both frameworks, torch optimizer name and extra torch arguments;
# None where torch has no such optimizer). Optimizers missing here run with their defaults and
# are compared with the torch optimizer of the same name, if there is one.
SETTINGS = {
    "SGD": ({"lr": 0.1, "momentum": 0.9}, ("SGD", {})),
    "Adagrad": ({"lr": 0.05}, ("Adagrad", {})),
    "RMSprop": ({"lr": 1e-3}, ("RMSprop", {})),
    "Adadelta": ({"lr": 1.0}, ("Adadelta", {})),
    "Adam": ({"lr": 3e-3}, ("Adam", {})),
    "AdamW": ({"lr": 3e-3, "weight_decay": 1e-2}, ("AdamW", {})),
    "Adamax": ({"lr": 1e-2}, ("Adamax", {})),
    "NAdam": ({"lr": 3e-3}, ("NAdam", {})),
    "NAdamW": ({"lr": 3e-3, "weight_decay": 1e-2}, ("NAdam", {"decoupled_weight_decay": True})),
    "RAdam": ({"lr": 3e-3}, ("RAdam", {})),
    "Adafactor": ({"lr": 1e-2}, ("Adafactor", {})),
    "AdaBelief": ({"lr": 3e-3}, None),
    "Lion": ({"lr": 1e-3}, None),
    "LAMB": ({"lr": 1e-2}, None),
    "LBFGS": ({"lr": 1.0, "max_iter": 1, "max_eval": 10, "history_size": 20,
               "line_search_fn": "strong_wolfe"}, ("LBFGS", {})),
    "NewtonCG": ({"lr": 1.0, "max_cg_iters": 10, "damping": 1e-3}, None),
}
# how step() is called: "plain" (after backward), "backward" (a closure that zeroes the grads,
# computes the loss, calls backward and returns it, as torch's LBFGS) or "loss" (a closure that
# only returns the loss; the optimizer differentiates it itself)
CLOSURES = {"LBFGS": "backward", "NewtonCG": "loss"}


@dataclass
class Run:
    losses: list = field(default_factory=list)  # full-batch loss before each step, then final
    times: list = field(default_factory=list)  # seconds of each step: forward, backward, step
    step_times: list = field(default_factory=list)  # seconds inside each optimizer.step
    error: str = ""

    def clock(self, start: float, step_start: float) -> None:
        now = time.perf_counter()
        self.times.append(now - start)
        self.step_times.append(now - step_start)

    @property
    def seconds(self) -> float:
        return float(sum(self.times))


def median(times: list) -> float:
    """The median step time, leaving out the first step (allocations, lazy set-up) when there
    are more: robust to other processes taking the CPU now and then."""
    return float(np.median(times[1:] if len(times) > 1 else times))


def load_data(dtype: str):
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(x))[: int(0.8 * len(x))]
    x = x[order]
    x = ((x - x.mean(0)) / (x.std(0) + 1e-6)).astype(dtype)
    return x, y[order].astype(np.int64)


def discover() -> list[type]:
    """Every Optimizer subclass that wonderland.optim exports, once each, in name order."""
    import wonderland.optim as optim

    found = {}
    for obj in vars(optim).values():
        if inspect.isclass(obj) and issubclass(obj, Optimizer) and obj is not Optimizer:
            found.setdefault(obj.__name__, obj)
    return [found[k] for k in sorted(found, key=str.lower)]


def make_models(hidden: int, dtype: str, seed: int):
    wl.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, hidden), nn.Tanh(), nn.Linear(hidden, 10))
    if dtype == "float64":
        model = model.double()
    reference = torch.nn.Sequential(torch.nn.Linear(64, hidden), torch.nn.Tanh(),
                                    torch.nn.Linear(hidden, 10))
    reference.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                               for k, v in model.state_dict().items()})
    return model, reference


def wonderland_trainer(cls, kwargs, model, x, y):
    """(one training step returning (loss, when optimizer.step began), the current loss)."""
    xs, ys = wl.tensor(x), wl.tensor(y)
    opt = cls(model.parameters(), **kwargs)
    kind = CLOSURES.get(cls.__name__, "plain")

    def loss_only():
        return F.cross_entropy(model(xs), ys)

    def with_backward():
        opt.zero_grad()
        loss = F.cross_entropy(model(xs), ys)
        loss.backward()
        return loss

    def step():
        if kind == "plain":
            loss = with_backward()
            t0 = time.perf_counter()
            opt.step()
        else:
            t0 = time.perf_counter()
            loss = opt.step(loss_only if kind == "loss" else with_backward)
        return float(loss.item()), t0

    def current():
        with wl.no_grad():
            return float(loss_only().item())

    return step, current


def torch_trainer(name, kwargs, model, x, y):
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    opt = getattr(torch.optim, name)(model.parameters(), **kwargs)

    def with_backward():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xs), ys)
        loss.backward()
        return loss

    def step():
        if name == "LBFGS":
            t0 = time.perf_counter()
            loss = opt.step(with_backward)
        else:
            loss = with_backward()
            t0 = time.perf_counter()
            opt.step()
        return float(loss.item()), t0

    def current():
        with torch.no_grad():
            return float(torch.nn.functional.cross_entropy(model(xs), ys).item())

    return step, current


def compare(cls, x, y, args) -> tuple[Run, Run | None, str]:
    """Train with one wonderland optimizer and its torch counterpart (if any), alternating one
    step of each, so that load from other processes falls on both alike."""
    kwargs, ref = SETTINGS.get(cls.__name__, ({}, (cls.__name__, {})))
    if ref is not None and not hasattr(torch.optim, ref[0]):
        ref = None
    model, reference = make_models(args.hidden, args.dtype, args.seed)
    reference = reference.double() if args.dtype == "float64" else reference
    ours, theirs, active = Run(), None, []
    try:
        active.append((ours, *wonderland_trainer(cls, kwargs, model, x, y)))
    except Exception as e:  # an optimizer still being written must not stop the others
        ours.error = f"{type(e).__name__}: {e}"
    if ref is not None:
        theirs = Run()
        active.append((theirs, *torch_trainer(ref[0], {**kwargs, **ref[1]}, reference, x, y)))
    for _ in range(args.steps):
        for run, step, _ in active:
            if run.error:
                continue
            start = time.perf_counter()
            try:
                loss, t0 = step()
            except Exception as e:
                run.error = f"{type(e).__name__}: {e}"
                if args.verbose:
                    traceback.print_exc()
                continue
            run.clock(start, t0)
            run.losses.append(loss)
    for run, _, current in active:
        if not run.error:
            run.losses.append(current())
    label = "-" if ref is None else ref[0] + "".join(f"({k}={v})" for k, v in ref[1].items())
    return ours, theirs, label


def ratio(ours: list, theirs: list | None) -> str:
    if not theirs or not ours or median(theirs) <= 0:
        return "-"
    return f"{median(ours) / median(theirs):.2f}"


def table(rows) -> str:
    """Markdown: final full-batch losses, and the ratios of median times per step (whole step
    and optimizer.step alone; for closure optimizers the two are the same)."""
    head = ("| optimizer | torch reference | final loss wonderland | final loss torch | "
            "max rel. difference of the loss curves | step time wonderland/torch | "
            "optimizer.step() time wonderland/torch |")
    lines = [head, "|" + "---|" * 7]
    for name, ours, theirs, label in rows:
        t_loss = f"{theirs.losses[-1]:.6g}" if theirs else "-"
        w_loss = f"error: {ours.error[:60]}" if ours.error else f"{ours.losses[-1]:.6g}"
        gap = "-"
        if theirs and not ours.error and len(ours.losses) == len(theirs.losses):
            a, b = np.array(ours.losses), np.array(theirs.losses)
            gap = f"{np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-30)):.1e}"
        lines.append(f"| {name} | {label} | {w_loss} | {t_loss} | {gap} | "
                     f"{ratio(ours.times, theirs and theirs.times)} | "
                     f"{ratio(ours.step_times, theirs and theirs.step_times)} |")
    return "\n".join(lines)


def plot(path: str, rows, steps: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(rows) + 1
    cols = min(4, n)
    nrows = -(-n // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4 * cols, 3 * nrows), squeeze=False)
    axes = axes.ravel()
    overview = axes[0]
    for ax, (name, ours, theirs, label) in zip(axes[1:], rows):
        if ours.losses:
            ax.plot(ours.losses, label="wonderland", lw=1.5)
            overview.plot(ours.losses, label=name, lw=1)
        if theirs:
            ax.plot(theirs.losses, "--", label=f"torch {label}", lw=1.2)
        ax.set(title=name + (" (error)" if ours.error else ""), xlabel="step", yscale="log")
        ax.legend(fontsize=7)
    overview.set(title="all (wonderland)", xlabel="step", ylabel="full-batch loss",
                 yscale="log")
    overview.legend(fontsize=6, ncol=2)
    for ax in axes[n:]:
        ax.axis("off")
    fig.suptitle(f"digits MLP, full batch, {steps} steps: wonderland (solid) vs torch (dashed)")
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None) -> list:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--out", default=os.path.join("runs", "benchmarks", "optimizers.png"))
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", help="comma-separated optimizer names")
    ap.add_argument("--verbose", action="store_true", help="print tracebacks of failures")
    args = ap.parse_args(argv)

    x, y = load_data(args.dtype)
    if args.dtype == "float64":  # torch keeps scalar state (NAdam's mu_product) in this dtype
        torch.set_default_dtype(torch.float64)
    classes = discover()
    if args.only:
        wanted = {s.strip().lower() for s in args.only.split(",")}
        classes = [c for c in classes if c.__name__.lower() in wanted]
    print(f"{len(classes)} optimizers, {args.steps} full-batch steps on digits ({len(x)} x 64, "
          f"{args.dtype}), MLP 64-{args.hidden}-10; {platform.processor() or platform.machine()}"
          f", {os.cpu_count()} cpus, torch {torch.__version__} with "
          f"{torch.get_num_threads()} threads")
    rows = []
    for cls in classes:
        ours, theirs, label = compare(cls, x, y, args)
        rows.append((cls.__name__, ours, theirs, label))
        status = ours.error or f"loss {ours.losses[-1]:.4g} in {ours.seconds:.2f} s"
        print(f"  {cls.__name__:10s} {status}", flush=True)
    print()
    print(table(rows))
    plot(args.out, rows, args.steps)
    print(f"\nsaved {args.out}")
    return rows


if __name__ == "__main__":
    main()
