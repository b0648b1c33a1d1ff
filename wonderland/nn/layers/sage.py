"""SAGEConv: GraphSAGE (Hamilton et al. 2017) with PyTorch Geometric's arguments: out_i =
W_l aggr_{j -> i} x_j + W_r x_i (+ bias on the neighbour branch), optionally L2-normalised."""
from __future__ import annotations

from ...core.tensor import Tensor
from ..layers.linear import Linear
from .message_passing import MessagePassing

__all__ = ["SAGEConv"]


class SAGEConv(MessagePassing):
    """forward(x, edge_index) -> (N, out_channels); aggr 'mean' (default), 'max' or 'add';
    root_weight=False drops the node's own term; normalize=True L2-normalises each output row."""

    def __init__(self, in_channels: int, out_channels: int, aggr: str = "mean",
                 normalize: bool = False, root_weight: bool = True, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__(aggr=aggr)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.normalize, self.root_weight = normalize, root_weight
        self.lin_l = Linear(in_channels, out_channels, bias=bias, device=device, dtype=dtype)
        if root_weight:
            self.lin_r = Linear(in_channels, out_channels, bias=False, device=device, dtype=dtype)

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        if x.ndim != 2 or x.shape[1] != self.in_channels:
            raise ValueError(f"SAGEConv: expected node features of shape (N, {self.in_channels})"
                             f", got shape {x.shape}")
        out = self.lin_l(self.propagate(edge_index, x=x))
        if self.root_weight:
            out = out + self.lin_r(x)
        if self.normalize:  # F.normalize(p=2): each row over its norm, at least 1e-12
            out = out / (out * out).sum(-1, keepdim=True).sqrt().clamp(min=1e-12)
        return out

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, aggr={self.aggr!r}"
