"""What the node-classification recipes share: a graph trained full-batch through the Trainer.
Each split is a one-item dataset whose x is the graph (features, edge_index) and whose y holds
the labels of that split's nodes and -100 (cross_entropy's ignore_index) elsewhere, so the loss
and accuracy of a split are over its nodes only; one step is one epoch."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.tensor import Tensor
from ..data import Dataset
from ..data.datasets import Planetoid
from ..functional import cross_entropy
from ..optim import Adam
from ..serialization import load

IGNORE = -100

# the Trainer's settings for full-batch training: a batch is the whole graph, evaluated each epoch
FULL_BATCH = {"batch_size": 1, "shuffle": False, "eval_batch_size": 1, "eval_every": 1,
              "log_every": 10, "checkpoint_every": 1000, "data_root": None, "download": True}


class NodeSplit(Dataset):
    """One item: ((features (N, F) float32, edge_index (2, E) int64), labels (N,) with -100
    outside `nodes`)."""

    def __init__(self, x: np.ndarray, edge_index: np.ndarray, y: np.ndarray, nodes) -> None:
        self.graph = (x, edge_index)
        self.y = np.full(len(y), IGNORE, dtype=np.int64)
        self.y[np.asarray(nodes)] = y[np.asarray(nodes)]
        self.nodes = np.asarray(nodes)

    def __len__(self) -> int:
        return 1

    def __getitem__(self, index: int):
        if index not in (0, -1):
            raise IndexError(f"NodeSplit: index {index} out of range for one graph")
        return self.graph, self.y


def splits(x, edge_index, y, train, val, test) -> tuple:
    """(train, val, test) NodeSplits of one graph (None for a split without nodes)."""
    return tuple(None if nodes is None else NodeSplit(x, edge_index, y, nodes)
                 for nodes in (train, val, test))


def planetoid_splits(cfg: dict) -> tuple:
    """Cora's public split (140 / 500 / 1,000 nodes) from cfg['data_root'] (None: the cache,
    downloading with checksums unless cfg['download'] is false)."""
    g = Planetoid(cfg["data_root"], cfg.get("dataset", "cora"), download=cfg["download"])
    return splits(g.x, g.edge_index, g.y, g.train_index, g.val_index, g.test_index)


def node_loss(output: Tensor, target: Tensor) -> Tensor:
    """The mean cross-entropy over the labelled nodes of a batch of one graph."""
    return cross_entropy(output, target.reshape(-1), ignore_index=IGNORE)


def node_accuracy(output: Tensor, target: Tensor) -> float:
    """The fraction of the labelled nodes (target != -100) whose largest score is their class."""
    labels = np.asarray(target).reshape(-1)
    scores = np.asarray(output.detach()).reshape(len(labels), -1)
    keep = labels != IGNORE
    return float(np.mean(scores[keep].argmax(1) == labels[keep])) if keep.any() else float("nan")


METRICS = {"accuracy": node_accuracy}


def num_features_and_classes(cfg: dict) -> tuple[int, int]:
    g = Planetoid(cfg["data_root"], cfg.get("dataset", "cora"), download=cfg["download"])
    return g.num_features, g.num_classes


def first_layer_decay(cfg: dict, params) -> Adam:
    """Adam with weight decay on the first layer's weight and bias only (Kipf & Welling's code;
    GCN.parameters() lists them first)."""
    params = list(params)
    return Adam([{"params": params[:2], "weight_decay": cfg["weight_decay"]},
                 {"params": params[2:], "weight_decay": 0.0}], lr=cfg["lr"])


def best_val_accuracy(model, cfg: dict, datasets: tuple, out_dir: Path) -> dict[str, float]:
    """Test accuracy of the weights with the lowest validation loss (best.safetensors, as GAT's
    code restores them) as 'accuracy', and the final weights' as 'accuracy_final'."""
    test = datasets[2]
    (x, edge_index), y = test[0]
    graph = (Tensor(x), Tensor(edge_index))
    final = node_accuracy(model(*graph), y)
    best = Path(out_dir) / "best.safetensors"
    if best.exists():
        model.load_state_dict(load(best))
    return {"accuracy": node_accuracy(model(*graph), y), "accuracy_final": final}
