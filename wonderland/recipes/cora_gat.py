"""Cora, GAT (Velickovic et al. 2018): 8 attention heads of 8 features (concatenated, ELU), then
one head to the 7 classes; dropout 0.6 on both layers' inputs and on the attention coefficients,
LeakyReLU 0.2, Adam 0.005 with weight decay 5e-4 on all weights, up to 1,000 full-batch epochs
stopped after 100 without a better validation loss; the test nodes are scored with the weights
of the best validation loss, as the paper's code restores them (the final weights' accuracy is
kept as accuracy_final)."""
from __future__ import annotations

from ..models.gnn import GAT
from ..train.recipe import Recipe
from ._common import adam
from ._graph import (
    FULL_BATCH,
    METRICS,
    best_val_accuracy,
    node_loss,
    num_features_and_classes,
    planetoid_splits,
)


def _model(cfg: dict) -> GAT:
    features, classes = num_features_and_classes(cfg)
    return GAT(features, cfg["hidden"], classes, cfg["heads"], cfg["out_heads"], cfg["dropout"],
               cfg["negative_slope"])


recipe = Recipe(
    name="cora_gat",
    description="Cora (public split: 140 / 500 / 1,000 nodes), GAT 8 heads x 8 hidden, ELU, 1 "
                "output head, dropout 0.6 (inputs and attention), Adam 0.005, weight decay "
                "5e-4, up to 1,000 epochs, patience 100 on validation loss",
    config={**FULL_BATCH, "steps": 1000, "patience": 100, "lr": 0.005, "weight_decay": 5e-4,
            "hidden": 8, "heads": 8, "out_heads": 1, "dropout": 0.6, "negative_slope": 0.2},
    data=planetoid_splits,
    model=_model,
    optimizer=adam,
    loss=node_loss,
    metrics=METRICS,
    assess=best_val_accuracy,
    published={"test_accuracy": 0.830, "source": "Velickovic et al. 2018, Graph Attention "
               "Networks, Table 2 (GAT, Cora: 83.0 ± 0.7%)"},
)
