"""Cora, GraphSAGE (Hamilton et al. 2017) in the GCN recipe's setting: two SAGEConv layers
(mean of the neighbours plus the node's own term, 1,433 -> 16 -> 7), ReLU, dropout 0.5, Adam
0.01 with weight decay 5e-4, 200 full-batch epochs on the public split; the final weights are
scored. No published figure: the paper evaluated inductive tasks, not Cora's split."""
from __future__ import annotations

from ..models.gnn import GraphSAGE
from ..train.recipe import Recipe
from ._common import adam
from ._graph import (
    FULL_BATCH,
    METRICS,
    node_loss,
    num_features_and_classes,
    planetoid_splits,
)


def _model(cfg: dict) -> GraphSAGE:
    features, classes = num_features_and_classes(cfg)
    return GraphSAGE(features, cfg["hidden"], classes, cfg["layers"], cfg["dropout"], cfg["aggr"])


recipe = Recipe(
    name="cora_sage",
    description="Cora (public split: 140 / 500 / 1,000 nodes), GraphSAGE 2 layers hidden 16, "
                "mean aggregation, dropout 0.5, Adam 0.01, weight decay 5e-4, 200 epochs",
    config={**FULL_BATCH, "steps": 200, "lr": 0.01, "weight_decay": 5e-4, "hidden": 16,
            "layers": 2, "dropout": 0.5, "aggr": "mean"},
    data=planetoid_splits,
    model=_model,
    optimizer=adam,
    loss=node_loss,
    metrics=METRICS,
)
