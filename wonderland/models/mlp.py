"""Multi-layer perceptron classifier: Linear+ReLU hidden layers and a Linear head, with optional
skip connections and dropout. The defaults are MNIST-1D's MLP (Greydanus & Kobak 2020,
notebooks/models.py of github.com/greydanus/mnist1d): 40 -> 100 -> 100 (residual) -> 10,
15,210 parameters."""
from __future__ import annotations

from collections.abc import Sequence

from ..core.tensor import Tensor
from ..nn import Dropout, Identity, Linear, Module, ModuleList

__all__ = ["MLP"]


class MLP(Module):
    """x (N, *) is flattened, then h <- relu(W_i h + b_i) per hidden width. With residual=True a
    hidden layer whose input and output widths agree adds its input back,
    h <- h + relu(W_i h + b_i), as MNIST-1D's MLP does for its second layer; the first layer never
    does (the raw input is not a hidden state). Dropout, if any, follows each hidden layer."""

    def __init__(self, in_features: int = 40, hidden: Sequence[int] = (100, 100),
                 num_classes: int = 10, residual: bool = True, dropout: float = 0.0) -> None:
        super().__init__()
        widths = [in_features, *hidden]
        self.hidden = ModuleList([Linear(a, b) for a, b in zip(widths[:-1], widths[1:])])
        self.head = Linear(widths[-1], num_classes)
        self.dropout = Dropout(dropout) if dropout else Identity()
        self.skips = [residual and i > 0 and a == b
                      for i, (a, b) in enumerate(zip(widths[:-1], widths[1:]))]

    def forward(self, x: Tensor) -> Tensor:
        h = x.flatten(1)
        for layer, skip in zip(self.hidden, self.skips):
            z = layer(h).relu()
            h = self.dropout(h + z if skip else z)
        return self.head(h)
