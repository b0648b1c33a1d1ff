"""GATConv: graph attention (Velickovic et al. 2018) with PyTorch Geometric's arguments and
initialisation: per head, e_ij = LeakyReLU(a_src . W x_j + a_dst . W x_i), softmax over the
in-edges of each target, dropout on the coefficients, and the weighted sum of W x_j."""
from __future__ import annotations

from ...core.tensor import Tensor
from ...functional import dropout, leaky_relu
from ...functional.graph import (
    add_remaining_self_loops,
    check_edge_index,
    edge_softmax,
    remove_self_loops,
)
from ...ops import empty, zeros
from .. import init
from ..parameter import Parameter
from .message_passing import MessagePassing

__all__ = ["GATConv"]


class GATConv(MessagePassing):
    """forward(x, edge_index) -> (N, heads * out_channels) with concat, else the mean over heads
    (N, out_channels). add_self_loops gives every node an edge to itself (existing loops are
    replaced, as PyG does); dropout acts on the attention coefficients in training."""

    def __init__(self, in_channels: int, out_channels: int, heads: int = 1, concat: bool = True,
                 negative_slope: float = 0.2, dropout: float = 0.0, add_self_loops: bool = True,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(aggr="add")
        self.in_channels, self.out_channels, self.heads = in_channels, out_channels, heads
        self.concat, self.negative_slope, self.dropout = concat, negative_slope, dropout
        self.add_self_loops = add_self_loops
        kw = {"device": device, "dtype": dtype}
        self.weight = Parameter(empty(heads * out_channels, in_channels, **kw))
        self.att_src = Parameter(empty(1, heads, out_channels, **kw))
        self.att_dst = Parameter(empty(1, heads, out_channels, **kw))
        if bias:
            self.bias = Parameter(zeros(heads * out_channels if concat else out_channels, **kw))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Glorot-uniform weight and attention vectors, zero bias (PyG's)."""
        init.xavier_uniform_(self.weight)
        for att in (self.att_src, self.att_dst):  # glorot over (heads, out_channels)
            init.uniform_(att, -(6.0 / (self.heads + self.out_channels)) ** 0.5,
                          (6.0 / (self.heads + self.out_channels)) ** 0.5)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        if x.ndim != 2 or x.shape[1] != self.in_channels:
            raise ValueError(f"GATConv: expected node features of shape (N, {self.in_channels})"
                             f", got shape {x.shape}")
        n, h, c = x.shape[0], self.heads, self.out_channels
        if self.add_self_loops:
            check_edge_index(edge_index, n, "GATConv")
            edge_index, _ = add_remaining_self_loops(remove_self_loops(edge_index), n)
        z = (x @ self.weight.mT).reshape(n, h, c)
        alpha_src = (z * self.att_src).sum(-1)  # (N, heads): each node's score as a source
        alpha_dst = (z * self.att_dst).sum(-1)
        out = self.propagate(edge_index, z=z, alpha_src=alpha_src, alpha_dst=alpha_dst)
        out = out.reshape(n, h * c) if self.concat else out.mean(1)
        return out if self.bias is None else out + self.bias

    def message(self, z_j: Tensor, alpha_src_j: Tensor, alpha_dst_i: Tensor, index: Tensor,
                size_i: int) -> Tensor:
        alpha = leaky_relu(alpha_src_j + alpha_dst_i, self.negative_slope)
        alpha = edge_softmax(alpha, index, size_i)
        alpha = dropout(alpha, self.dropout, self.training)
        return z_j * alpha.unsqueeze(-1)

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, heads={self.heads}"
