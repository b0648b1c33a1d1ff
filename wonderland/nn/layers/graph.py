"""GCNConv: the graph convolution of Kipf & Welling with PyTorch Geometric's arguments and
initialisation (Glorot-uniform weight, zero bias). Over an edge_index it propagates sparsely (the
normalised edge weights as a sparse matrix times the features, or as messages scattered to the
targets); over a dense adjacency, or node features with batch dimensions, densely. The other
message-passing layers are re-exported here, so wl.nn has them all."""
from __future__ import annotations

from ...core import dtype as dt
from ...core.tensor import Tensor
from ...functional.graph import check_edge_index, gcn_conv, gcn_edge_norm, gcn_norm
from ...ops import empty, zeros
from ...sparse import mm as sparse_mm
from ...sparse import sparse_coo_tensor
from .. import init
from ..parameter import Parameter
from .gat import GATConv
from .gin import GINConv
from .message_passing import MessagePassing
from .sage import SAGEConv

__all__ = ["GCNConv", "GATConv", "GINConv", "MessagePassing", "SAGEConv"]
PROPAGATIONS = ("spmm", "scatter", "dense")


class GCNConv(MessagePassing):
    """out = Â X W^T + b, Â = D^-1/2 (A + I) D^-1/2 (see functional.gcn_norm).

    forward(x, edge_index, edge_weight=None): x is (N, in_channels) or (..., N, in_channels);
    edge_index is an int64 (2, E) tensor of (source, target) rows or a dense (N, N) adjacency.
    cached=True computes Â on the first call and reuses it (a graph that does not change).
    propagation: how an edge_index with (N, C) features propagates: 'spmm' (the default, a
    sparse (N, N) matrix of the normalised weights times the features, SciPy's CSR product:
    the fastest on Cora, see docs/graphs.md), 'scatter' (each edge's weighted source row
    scattered to its target by MessagePassing) or 'dense' (the dense Â)."""

    def __init__(self, in_channels: int, out_channels: int, improved: bool = False,
                 cached: bool = False, add_self_loops: bool = True, normalize: bool = True,
                 bias: bool = True, propagation: str = "spmm", device=None,
                 dtype=None) -> None:
        super().__init__(aggr="add")
        if propagation not in PROPAGATIONS:
            raise ValueError(f"GCNConv: propagation must be one of {PROPAGATIONS}, got "
                             f"{propagation!r}")
        self.propagation = propagation
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
        looks_like_pairs = edge_index.dtype is dt.int64 or (edge_index.ndim == 2
                                                           and edge_index.shape[0] == 2)
        if not pairs and edge_index.shape[-2:] != (n, n) and looks_like_pairs:
            check_edge_index(edge_index, n, "GCNConv")  # says what is wrong with it
        if not pairs and (edge_index.ndim < 2 or edge_index.shape[-2:] != (n, n)):
            raise ValueError(f"GCNConv: expected a dense adjacency of shape ({n}, {n}) for "
                             f"{n} nodes, got shape {edge_index.shape}")
        if pairs and x.ndim == 2 and self.propagation != "dense":
            return self._sparse(x, edge_index, edge_weight)
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

    def _sparse(self, x: Tensor, edge_index: Tensor, edge_weight: Tensor | None) -> Tensor:
        """Â (X W^T) + b with Â kept as its edges: (edge_index, weights)."""
        n = x.shape[0]
        edges = self._cached_adjacency
        if edges is None:
            check_edge_index(edge_index, n, "GCNConv")
            if self.normalize:
                edges = gcn_edge_norm(edge_index, n, edge_weight, self.add_self_loops,
                                      self.improved, x.dtype)
            else:
                edges = (edge_index, edge_weight if edge_weight is not None
                         else x.new_ones(edge_index.shape[1]))
            if self.cached:
                self._cached_adjacency = edges
        h = x @ self.weight.mT
        if self.propagation == "spmm":
            index, weight = edges
            adjacency = sparse_coo_tensor(index.flip(0), weight.to(h.dtype), (n, n))
            out = sparse_mm(adjacency, h)
        else:
            out = self.propagate(edges[0], x=h, edge_weight=edges[1].to(h.dtype))
        return out if self.bias is None else out + self.bias

    def message(self, x_j: Tensor, edge_weight: Tensor) -> Tensor:
        return x_j * edge_weight.unsqueeze(-1)

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}"
