"""Cora, GIN (Xu et al. 2019) in the GCN recipe's setting: two GINConv layers (each a two-layer
MLP over (1 + eps) x_i + the sum of the neighbours, hidden 16) and a linear classifier, ReLU,
dropout 0.5, Adam 0.01 with weight decay 5e-4, 200 full-batch epochs on the public split; the
final weights are scored. No published figure: GIN was made for graph classification."""
from __future__ import annotations

from ..models.gnn import GIN
from ..train.recipe import Recipe
from ._common import adam
from ._graph import (
    FULL_BATCH,
    METRICS,
    node_loss,
    num_features_and_classes,
    planetoid_splits,
)


def _model(cfg: dict) -> GIN:
    features, classes = num_features_and_classes(cfg)
    return GIN(features, cfg["hidden"], classes, cfg["layers"], cfg["dropout"], cfg["train_eps"])


recipe = Recipe(
    name="cora_gin",
    description="Cora (public split: 140 / 500 / 1,000 nodes), GIN 2 layers hidden 16 and a "
                "linear head, dropout 0.5, Adam 0.01, weight decay 5e-4, 200 epochs",
    config={**FULL_BATCH, "steps": 200, "lr": 0.01, "weight_decay": 5e-4, "hidden": 16,
            "layers": 2, "dropout": 0.5, "train_eps": False},
    data=planetoid_splits,
    model=_model,
    optimizer=adam,
    loss=node_loss,
    metrics=METRICS,
)
