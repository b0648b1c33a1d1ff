"""Cora, GCN (Kipf & Welling 2017): two graph convolutions (1,433 -> 16 -> 7), ReLU, dropout 0.5
on both layers' inputs, Adam 0.01 with weight decay 5e-4 on the first layer only (their code),
200 full-batch epochs on the 140 labelled nodes of the public split; the final weights are
scored on the 1,000 test nodes (PyTorch Geometric's example; Kipf's early stopping window of 10
rarely stops a run before 200)."""
from __future__ import annotations

from ..models.gnn import GCN
from ..train.recipe import Recipe
from ._graph import (
    FULL_BATCH,
    METRICS,
    first_layer_decay,
    node_loss,
    num_features_and_classes,
    planetoid_splits,
)


def _model(cfg: dict) -> GCN:
    features, classes = num_features_and_classes(cfg)
    return GCN(features, cfg["hidden"], classes, cfg["layers"], cfg["dropout"])


recipe = Recipe(
    name="cora_gcn",
    description="Cora (public split: 140 / 500 / 1,000 nodes), GCN 2 layers hidden 16, dropout "
                "0.5, Adam 0.01, weight decay 5e-4 on the first layer, 200 epochs",
    config={**FULL_BATCH, "steps": 200, "lr": 0.01, "weight_decay": 5e-4, "hidden": 16,
            "layers": 2, "dropout": 0.5},
    data=planetoid_splits,
    model=_model,
    optimizer=first_layer_decay,
    loss=node_loss,
    metrics=METRICS,
    published={"test_accuracy": 0.815, "source": "Kipf & Welling 2017, Semi-Supervised "
               "Classification with Graph Convolutional Networks, Table 2 (GCN, Cora)"},
)
