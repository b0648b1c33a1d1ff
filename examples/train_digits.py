"""Train a 2-layer MLP on scikit-learn's 8x8 digits with wonderland.nn and hand-written SGD.

The model is an nn.Sequential, the loss F.cross_entropy; loss.backward() fills each parameter's
.grad and the SGD-with-momentum step updates the parameters in place (p.data = ...). Writes
OUT/model.safetensors (atomically, no pickle) and OUT/curves.png.
Smoke run: python examples/train_digits.py --steps 20
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import wonderland as wl
import wonderland.nn.functional as F
from wonderland import nn

try:
    from tqdm import tqdm
except ImportError:  # plain prints without tqdm
    tqdm = None


def load_data(seed: int):
    """Digits as float32, an 80/20 split by a seeded permutation, standardized by train stats."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(x))
    n_train = int(0.8 * len(x))
    tr, te = order[:n_train], order[n_train:]
    mean, std = x[tr].mean(0), x[tr].std(0) + 1e-6  # some border pixels are always 0
    x = ((x - mean) / std).astype(np.float32)
    return x[tr], y[tr], x[te], y[te], mean.astype(np.float32), std.astype(np.float32)


def make_model(n_in: int = 64, n_hidden: int = 64, n_out: int = 10) -> nn.Module:
    return nn.Sequential(nn.Linear(n_in, n_hidden), nn.Tanh(), nn.Linear(n_hidden, n_out))


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    with wl.no_grad():
        pred = model(wl.tensor(x)).argmax(1).numpy()
    return float((pred == y).mean())


def plot(path: str, losses: list, evals: list) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.plot(np.arange(1, len(losses) + 1), losses, lw=0.6)
    a.set(xlabel="step", ylabel="train loss (minibatch)", yscale="log", title="loss")
    b.plot(*zip(*evals), marker="o", ms=3)
    b.set(xlabel="step", ylabel="test accuracy", title="test accuracy")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None) -> float:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eval-every", type=int, help="default: steps // 10")
    ap.add_argument("--out", default=os.path.join("runs", "digits"))
    args = ap.parse_args(argv)

    every = args.eval_every or max(1, args.steps // 10)
    wl.manual_seed(args.seed)
    x_tr, y_tr, x_te, y_te, mean, std = load_data(args.seed)
    model = make_model()
    velocity = [wl.zeros_like(p) for p in model.parameters()]
    rng = np.random.default_rng(args.seed + 1)
    perm, pos = rng.permutation(len(x_tr)), 0
    losses, evals, start = [], [(0, accuracy(model, x_te, y_te))], time.perf_counter()
    log = tqdm.write if tqdm else print
    bar = tqdm(total=args.steps, unit="step") if tqdm else None

    for step in range(1, args.steps + 1):
        if pos + args.batch_size > len(perm):  # new epoch: reshuffle
            perm, pos = rng.permutation(len(x_tr)), 0
        idx, pos = perm[pos:pos + args.batch_size], pos + args.batch_size
        loss = F.cross_entropy(model(wl.tensor(x_tr[idx])), wl.tensor(y_tr[idx]))
        model.zero_grad()
        loss.backward()
        with wl.no_grad():  # SGD with momentum: v = mu v + g;  p = p - lr v  (in place)
            for i, p in enumerate(model.parameters()):
                velocity[i] = args.momentum * velocity[i] + p.grad
                p.data = p - args.lr * velocity[i]
        losses.append(loss.item())
        if bar:
            bar.update()
        if step % every == 0 or step == args.steps:
            evals.append((step, accuracy(model, x_te, y_te)))
            recent = np.mean(losses[-every:])
            log(f"step {step:5d}  train_loss {recent:.4f}  test_acc {evals[-1][1]:.4f}")
    if bar:
        bar.close()

    acc = evals[-1][1]
    print(f"final test accuracy {acc:.4f} after {args.steps} steps "
          f"in {time.perf_counter() - start:.1f} s")
    os.makedirs(args.out, exist_ok=True)
    checkpoint = os.path.join(args.out, "model.safetensors")
    wl.save({**model.state_dict(), "mean": wl.tensor(mean), "std": wl.tensor(std)}, checkpoint)
    plot(os.path.join(args.out, "curves.png"), losses, evals)
    print(f"saved {checkpoint} and {os.path.join(args.out, 'curves.png')}")
    return acc


if __name__ == "__main__":
    main()
