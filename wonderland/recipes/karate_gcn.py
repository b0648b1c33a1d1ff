"""Zachary's karate club, semi-supervised: a two-layer GCN (one-hot node identities -> 16 -> 2)
learns the two factions from one labelled member of each (Mr. Hi, node 0, and the Officer, node
33) and the friendships, scored on the other 32 members. Its two output features (the class
scores) are the learned 2-D embedding; assess draws it coloured by faction
(karate_embedding.png). (A 2-wide ReLU hidden layer, 34 -> 16 -> 2 -> 2, died on some seeds.)"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.tensor import Tensor
from ..data.datasets import KarateClub
from ..models.gnn import GCN
from ..train.recipe import Recipe
from ._common import adam
from ._graph import FULL_BATCH, METRICS, node_accuracy, node_loss, splits


def _splits(cfg: dict) -> tuple:
    k = KarateClub()
    others = np.setdiff1d(np.arange(k.num_nodes), k.labelled)
    return splits(k.x, k.edge_index, k.y, k.labelled, None, others)


def draw_embedding(points: np.ndarray, faction: np.ndarray, labelled: np.ndarray,
                   edge_index: np.ndarray, path: Path) -> None:
    """The 2-D embedding: friendships as grey lines, members coloured by faction, the two
    labelled members ringed."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4.5))
    for a, b in edge_index.T[edge_index[0] < edge_index[1]]:
        ax.plot(points[[a, b], 0], points[[a, b], 1], color="0.85", lw=0.6, zorder=1)
    for side, (colour, name) in enumerate((("tab:blue", "Mr. Hi's faction"),
                                           ("tab:orange", "the Officer's faction"))):
        at = faction == side
        ax.scatter(points[at, 0], points[at, 1], c=colour, s=40, label=name, zorder=2)
    ax.scatter(points[labelled, 0], points[labelled, 1], s=160, facecolors="none",
               edgecolors="black", linewidths=1.5, label="labelled (one each)", zorder=3)
    for i, (px, py) in enumerate(points):
        ax.annotate(str(i), (px, py), fontsize=6, ha="center", va="center", zorder=4)
    ax.set_xlabel("output feature 1 (score of Mr. Hi's faction)")
    ax.set_ylabel("output feature 2 (score of the Officer's)")
    ax.set_title("karate club: a GCN's 2-D embedding")
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def assess(model, cfg: dict, datasets: tuple, out_dir: Path) -> dict[str, float]:
    """Accuracy on all 34 members and the embedding picture."""
    k = KarateClub()
    logits = model(Tensor(k.x), Tensor(k.edge_index))
    draw_embedding(logits.detach().numpy(), k.y, k.labelled, k.edge_index,
                   Path(out_dir) / "karate_embedding.png")
    return {"accuracy_all": node_accuracy(logits, Tensor(k.y))}


recipe = Recipe(
    name="karate_gcn",
    description="karate club (one labelled member per faction), GCN 2 layers hidden 16, "
                "dropout 0.5, Adam 0.01, weight decay 5e-4, 200 epochs",
    config={**FULL_BATCH, "steps": 200, "lr": 0.01, "weight_decay": 5e-4, "hidden": 16,
            "dropout": 0.5},
    data=_splits,
    model=lambda cfg: GCN(34, cfg["hidden"], 2, 2, cfg["dropout"]),
    optimizer=adam,
    loss=node_loss,
    metrics=METRICS,
    assess=assess,
)
