"""GINConv: the graph isomorphism network layer (Xu et al. 2019), PyTorch Geometric's arguments:
out_i = nn((1 + eps) x_i + sum_{j -> i} x_j), eps fixed or trained."""
from __future__ import annotations

from ...core.tensor import Tensor
from ...ops import tensor
from ..module import Module
from ..parameter import Parameter
from .message_passing import MessagePassing

__all__ = ["GINConv"]


class GINConv(MessagePassing):
    """forward(x, edge_index) -> nn((1 + eps) x + the sum of the in-neighbours' features);
    train_eps=True makes eps a parameter (initial value eps), else a buffer."""

    def __init__(self, nn: Module, eps: float = 0.0, train_eps: bool = False) -> None:
        super().__init__(aggr="add")
        self.nn, self.initial_eps = nn, eps
        if train_eps:
            self.eps = Parameter(tensor([float(eps)]))
        else:
            self.register_buffer("eps", tensor([float(eps)]))

    def reset_parameters(self) -> None:
        """eps back to its initial value (the inner network keeps its own reset)."""
        self.eps.data = tensor([float(self.initial_eps)], dtype=self.eps.dtype)

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        if x.ndim != 2:
            raise ValueError(f"GINConv: expected node features of shape (N, C), got shape "
                             f"{x.shape}")
        return self.nn((1 + self.eps) * x + self.propagate(edge_index, x=x))

    def extra_repr(self) -> str:
        return f"nn={type(self.nn).__name__}"
