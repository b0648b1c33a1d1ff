"""GCNConv: the graph convolution of Kipf & Welling with PyTorch Geometric's arguments and
initialisation (Glorot-uniform weight, zero bias)."""
from __future__ import annotations

from ...core import dtype as dt
from ...core.tensor import Tensor
from ...functional.graph import gcn_conv, gcn_norm
from ...ops import empty, zeros
from .. import init
from ..module import Module
from ..parameter import Parameter

__all__ = ["GCNConv"]


class GCNConv(Module):
    """out = Â X W^T + b, Â = D^-1/2 (A + I) D^-1/2 (see functional.gcn_norm).

    forward(x, edge_index, edge_weight=None): x is (N, in_channels) or (..., N, in_channels);
    edge_index is an int64 (2, E) tensor of (source, target) rows or a dense (N, N) adjacency.
    cached=True computes Â on the first call and reuses it (a graph that does not change)."""

    def __init__(self, in_channels: int, out_channels: int, improved: bool = False,
                 cached: bool = False, add_self_loops: bool = True, normalize: bool = True,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.improved, self.cached = improved, cached
        self.add_self_loops, self.normalize = add_self_loops, normalize
        self._cached_adjacency = None
        self.weight = Parameter(empty(out_channels, in_channels, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(zeros(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Glorot-uniform weight, zero bias, and no cached adjacency."""
        init.xavier_uniform_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)
        self._cached_adjacency = None

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: Tensor | None = None) -> Tensor:
        if x.ndim < 2 or x.shape[-1] != self.in_channels:
            raise ValueError(f"GCNConv: expected node features of shape (N, {self.in_channels}),"
                             f" got shape {x.shape}")
        n = x.shape[-2]
        pairs = edge_index.dtype is dt.int64 and edge_index.ndim == 2 and len(edge_index) == 2
        if not pairs and (edge_index.ndim < 2 or edge_index.shape[-2:] != (n, n)):
            raise ValueError(f"GCNConv: expected a dense adjacency of shape ({n}, {n}) for "
                             f"{n} nodes, got shape {edge_index.shape}")
        if not self.normalize:
            return gcn_conv(x, edge_index, self.weight, self.bias, normalize=False,
                            edge_weight=edge_weight)
        adjacency = self._cached_adjacency
        if adjacency is None:
            adjacency = gcn_norm(edge_index, self.add_self_loops, n, edge_weight,
                                 self.improved, x.dtype)
            if self.cached:
                self._cached_adjacency = adjacency
        return gcn_conv(x, adjacency, self.weight, self.bias, normalize=False)

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}"
