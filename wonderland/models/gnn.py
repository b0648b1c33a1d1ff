"""Graph neural networks for node classification on message passing (wl.nn's GCNConv, GATConv,
SAGEConv, GINConv): GCN (Kipf & Welling 2017; any depth, with residual connections and PairNorm
for the over-smoothing study), GAT (Velickovic et al. 2018), GraphSAGE and GIN; and the Dirichlet
energy that measures how alike neighbouring nodes' features have become."""
from __future__ import annotations

from ..core.tensor import Tensor
from ..functional import dropout, elu, relu
from ..nn import GATConv, GCNConv, GINConv, Linear, Module, ModuleList, ReLU, SAGEConv, Sequential
from ..ops import zeros

__all__ = ["GCN", "GAT", "GraphSAGE", "GIN", "PairNorm", "dirichlet_energy"]


def _graph(x, edge_index):
    """(features (N, F), edge_index (2, E)) from forward's arguments: the two, or one graph as a
    DataLoader batch of one, ((1, N, F), (1, 2, E)), as the node-classification recipes give."""
    if edge_index is None:
        x, edge_index = x
        if x.ndim == 3 and x.shape[0] == 1:
            x, edge_index = x[0], edge_index[0]
    return x, edge_index


class PairNorm(Module):
    """PairNorm (Zhao & Akoglu 2020): centre the features over the nodes, then scale every row
    so the mean squared row norm is scale**2, which keeps the nodes' features from collapsing
    together however deep the network."""

    def __init__(self, scale: float = 1.0) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, x: Tensor) -> Tensor:
        x = x - x.mean(0, keepdim=True)
        return self.scale * x / ((x * x).sum(-1).mean() + 1e-6).sqrt()

    def extra_repr(self) -> str:
        return f"scale={self.scale}"


class GCN(Module):
    """num_layers GCNConv layers, in_channels -> hidden_channels ... -> out_channels, ReLU and
    dropout (also on the input) between them, as Kipf & Welling (2 layers, hidden 16, dropout
    0.5); hidden_channels may list one width per hidden layer. residual=True adds each hidden
    layer's input to its output where the widths match; norm='pairnorm' normalises each hidden
    layer's output. parameters() lists the first layer's first (the one Kipf's weight decay
    applies to)."""

    def __init__(self, in_channels: int, hidden_channels: int | list[int], out_channels: int,
                 num_layers: int = 2, dropout: float = 0.5, residual: bool = False,
                 norm: str | None = None, cached: bool = True) -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"GCN: num_layers must be at least 1, got {num_layers}")
        if norm not in (None, "pairnorm"):
            raise ValueError(f"GCN: norm must be None or 'pairnorm', got {norm!r}")
        hidden = ([hidden_channels] * (num_layers - 1) if isinstance(hidden_channels, int)
                  else list(hidden_channels))
        if len(hidden) != num_layers - 1:
            raise ValueError(f"GCN: {num_layers} layers need {num_layers - 1} hidden widths, "
                             f"got {hidden_channels}")
        widths = [in_channels, *hidden, out_channels]
        self.convs = ModuleList(GCNConv(a, b, cached=cached) for a, b in zip(widths, widths[1:]))
        self.norms = ModuleList(PairNorm() for _ in range(num_layers - 1)) if norm else None
        self.dropout, self.residual = dropout, residual

    def hidden_features(self, x, edge_index=None) -> list[Tensor]:
        """Every hidden layer's output, then the logits (N, out_channels)."""
        x, edge_index = _graph(x, edge_index)
        outs = []
        for k, conv in enumerate(self.convs):
            h = conv(dropout(x, self.dropout, self.training), edge_index)
            if k < len(self.convs) - 1:
                if self.norms is not None:
                    h = self.norms[k](h)
                h = relu(h)
                if self.residual and h.shape == x.shape:
                    h = h + x
            outs.append(h)
            x = h
        return outs

    def forward(self, x, edge_index=None) -> Tensor:
        return self.hidden_features(x, edge_index)[-1]


class GAT(Module):
    """Two GATConv layers as Velickovic et al. for Cora: `heads` heads of hidden_channels
    features (concatenated) with ELU, then out_heads heads averaged into the classes; dropout
    on each layer's input and on the attention coefficients."""

    def __init__(self, in_channels: int, hidden_channels: int, out_channels: int,
                 heads: int = 8, out_heads: int = 1, dropout: float = 0.6,
                 negative_slope: float = 0.2) -> None:
        super().__init__()
        self.conv1 = GATConv(in_channels, hidden_channels, heads=heads, dropout=dropout,
                             negative_slope=negative_slope)
        self.conv2 = GATConv(hidden_channels * heads, out_channels, heads=out_heads,
                             concat=False, dropout=dropout, negative_slope=negative_slope)
        self.dropout = dropout

    def forward(self, x, edge_index=None) -> Tensor:
        x, edge_index = _graph(x, edge_index)
        x = elu(self.conv1(dropout(x, self.dropout, self.training), edge_index))
        return self.conv2(dropout(x, self.dropout, self.training), edge_index)


class GraphSAGE(Module):
    """num_layers SAGEConv layers (aggr mean by default) with ReLU and dropout between them."""

    def __init__(self, in_channels: int, hidden_channels: int, out_channels: int,
                 num_layers: int = 2, dropout: float = 0.5, aggr: str = "mean") -> None:
        super().__init__()
        widths = [in_channels] + [hidden_channels] * (num_layers - 1) + [out_channels]
        self.convs = ModuleList(SAGEConv(a, b, aggr=aggr) for a, b in zip(widths, widths[1:]))
        self.dropout = dropout

    def forward(self, x, edge_index=None) -> Tensor:
        x, edge_index = _graph(x, edge_index)
        for k, conv in enumerate(self.convs):
            x = conv(dropout(x, self.dropout, self.training), edge_index)
            if k < len(self.convs) - 1:
                x = relu(x)
        return x


class GIN(Module):
    """num_layers GINConv layers, each over a two-layer MLP (Linear, ReLU, Linear), ReLU and
    dropout between them, then a Linear to the classes."""

    def __init__(self, in_channels: int, hidden_channels: int, out_channels: int,
                 num_layers: int = 2, dropout: float = 0.5, train_eps: bool = False) -> None:
        super().__init__()
        widths = [in_channels] + [hidden_channels] * num_layers
        self.convs = ModuleList(
            GINConv(Sequential(Linear(a, b), ReLU(), Linear(b, b)), train_eps=train_eps)
            for a, b in zip(widths, widths[1:]))
        self.head = Linear(hidden_channels, out_channels)
        self.dropout = dropout

    def forward(self, x, edge_index=None) -> Tensor:
        x, edge_index = _graph(x, edge_index)
        for conv in self.convs:
            x = relu(conv(dropout(x, self.dropout, self.training), edge_index))
        return self.head(dropout(x, self.dropout, self.training))


def dirichlet_energy(x: Tensor, edge_index: Tensor) -> Tensor:
    """E(X) = 1/2 sum over the edges j -> i of ||x_i / sqrt(1 + d_i) - x_j / sqrt(1 + d_j)||^2,
    d the in-degree: tr(X^T (I - Â) X) for GCN's Â with self-loops (Cai & Wang 2020). It is 0
    exactly when X is the fixed point deep GCN layers drive every feature column towards (a
    multiple of sqrt(1 + d)), so its fall with depth measures over-smoothing."""
    n = x.shape[0]
    src, dst = edge_index[0], edge_index[1]
    deg = zeros(n, dtype=x.dtype, device=x.device).index_add(
        0, dst, zeros(dst.shape[0], dtype=x.dtype, device=x.device) + 1)
    scaled = x / (deg + 1).sqrt().unsqueeze(-1)
    diff = scaled.index_select(0, dst) - scaled.index_select(0, src)
    return 0.5 * (diff * diff).sum()
