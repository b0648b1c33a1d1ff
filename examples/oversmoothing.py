"""Over-smoothing: GCNs 2 to 32 layers deep on Cora, plain, with residual connections and with
PairNorm; the test accuracy of each and the Dirichlet energy of its last hidden layer's features
(how far neighbouring nodes still differ; over the features' squared norm too, a measure that
ignores their scale), and that normalised energy layer by layer through freshly initialised
32-layer models (what the propagation alone does).
Writes docs/oversmoothing.json (read by graph_models.section for docs/results.md) and
docs/pictures/oversmoothing.png, and prints the table.

    python examples/oversmoothing.py                         # about ten minutes on 2 cores
    python examples/oversmoothing.py --depths 2 4 --seeds 1 --epochs 5 --out /tmp/o.json
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import graph_models  # examples/graph_models.py: the table
import numpy as np

import wonderland as wl
from wonderland.data.datasets import Planetoid
from wonderland.functional import cross_entropy
from wonderland.models.gnn import GCN, dirichlet_energy

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "planetoid"
VARIANTS = {"plain": {}, "residual": {"residual": True}, "pairnorm": {"norm": "pairnorm"}}


def energies(outs: list, ei) -> tuple[list[float], list[float]]:
    """The Dirichlet energy of each layer's output, and that energy over its squared norm."""
    raw = [float(dirichlet_energy(h, ei)) for h in outs]
    return raw, [e / max(float((h * h).sum()), 1e-30) for e, h in zip(raw, outs)]


def untrained(g: Planetoid, depth: int, variant: str, seed: int, args) -> list[float]:
    """The normalised energy after each layer of a freshly initialised GCN (no dropout)."""
    wl.manual_seed(seed)
    model = GCN(g.num_features, args.hidden, g.num_classes, depth, 0.5, **VARIANTS[variant])
    model.eval()
    with wl.no_grad():
        outs = model.hidden_features(wl.tensor(g.x), wl.tensor(g.edge_index))
    return energies(outs[:-1], wl.tensor(g.edge_index))[1]


def train(g: Planetoid, depth: int, variant: str, seed: int, args) -> tuple[float, tuple]:
    """(test accuracy of the final weights, (energies, normalised energies) after every layer)
    of one GCN."""
    wl.manual_seed(seed)
    x, ei = wl.tensor(g.x), wl.tensor(g.edge_index)
    model = GCN(g.num_features, args.hidden, g.num_classes, depth, 0.5, **VARIANTS[variant])
    params = list(model.parameters())
    opt = wl.optim.Adam([{"params": params[:2], "weight_decay": 5e-4},
                         {"params": params[2:], "weight_decay": 0.0}], lr=args.lr)
    train_nodes, y = wl.tensor(g.train_index), wl.tensor(g.y)
    for _ in range(args.epochs):
        opt.zero_grad()
        loss = cross_entropy(model(x, ei)[train_nodes], y[train_nodes])
        loss.backward()
        opt.step()
    model.eval()
    with wl.no_grad():
        outs = model.hidden_features(x, ei)
    predicted = outs[-1].numpy().argmax(1)
    accuracy = float(np.mean(predicted[g.test_index] == g.y[g.test_index]))
    return accuracy, energies(outs, ei)


def picture(store: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    depths = store["depths"]
    for v in store["variants"]:
        acc = np.array([store["results"][v][str(d)]["accuracy"] for d in depths])
        left.errorbar(depths, acc.mean(1), yerr=acc.std(1), marker="o", capsize=3, label=v)
        layers = store["per_layer"][v]
        right.plot(range(0, len(layers)), np.maximum(layers, 1e-30), marker=".", label=v)
    left.set_xscale("log", base=2)
    left.set_xticks(depths, [str(d) for d in depths])
    left.set_xlabel("layers")
    left.set_ylabel("test accuracy")
    left.set_title("GCN on Cora: accuracy against depth")
    left.legend()
    right.set_yscale("log")
    right.set_xlabel(f"layer of a {max(depths)}-layer GCN, freshly initialised (0: input)")
    right.set_ylabel("Dirichlet energy / squared norm")
    right.set_title("over-smoothing: neighbours grow alike")
    right.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--depths", type=int, nargs="+", default=[2, 4, 8, 16, 32])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--epochs", "--steps", type=int, default=200, help="epochs (full-batch "
                   "steps) per run; --steps N for a smoke run")
    p.add_argument("--hidden", type=int, default=16)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--data_root", default=str(SHARED) if SHARED.is_dir() else None)
    p.add_argument("--out", default=str(ROOT / "docs" / "oversmoothing.json"))
    p.add_argument("--picture", default=str(ROOT / "docs" / "pictures" / "oversmoothing.png"))
    args = p.parse_args()
    g = Planetoid(args.data_root)
    store = {"depths": args.depths, "seeds": list(range(args.seeds)), "epochs": args.epochs,
             "hidden": args.hidden, "variants": list(VARIANTS), "results": {}, "per_layer": {}}
    start = time.perf_counter()
    for v in VARIANTS:
        store["results"][v] = {}
        for depth in args.depths:
            runs = [train(g, depth, v, seed, args) for seed in range(args.seeds)]
            last = -2 if depth > 1 else -1  # the last hidden layer's output
            store["results"][v][str(depth)] = {
                "accuracy": [a for a, _ in runs], "energy": [e[0][last] for _, e in runs],
                "energy_ratio": [e[1][last] for _, e in runs]}
            if depth == max(args.depths):
                x, ei = wl.tensor(g.x), wl.tensor(g.edge_index)
                start_ratio = energies([x], ei)[1]
                store["per_layer"][v] = start_ratio + untrained(g, depth, v, 0, args)
            acc = np.mean([a for a, _ in runs])
            print(f"{v:9s} {depth:3d} layers: test accuracy {acc:.3f} "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
    store["seconds"] = time.perf_counter() - start
    Path(args.out).write_text(json.dumps(store, indent=1) + "\n")
    picture(store, Path(args.picture))
    print(graph_models.oversmoothing_table(store))


if __name__ == "__main__":
    main()
