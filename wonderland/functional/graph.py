"""Graph convolution (Kipf & Welling, as PyTorch Geometric's GCNConv): the symmetrically
normalised adjacency D^-1/2 (A + I) D^-1/2, built from a dense adjacency or an edge_index, and
the propagation rule out = Â X W^T + b."""
# ruff: noqa: A002  (PyTorch's argument name `input`)
from __future__ import annotations

from ..core import dtype as dt
from ..core.tensor import Tensor
from ..ops import eye, ones, where, zeros

__all__ = ["gcn_norm", "gcn_conv"]


def _is_edge_index(adjacency: Tensor) -> bool:
    return adjacency.dtype is dt.int64 and adjacency.ndim == 2 and adjacency.shape[0] == 2


def _from_edge_index(edge_index: Tensor, num_nodes: int | None, edge_weight: Tensor | None,
                     dtype) -> Tensor:
    """Dense (N, N) A with A[target, source] = the summed weights of the edges source -> target
    (edge_index[0] are sources, edge_index[1] targets, as in PyTorch Geometric)."""
    e = edge_index.shape[1]
    values = edge_index._values()
    if num_nodes is None:
        num_nodes = int(values.max()) + 1 if e else 0
    if e and (values.min() < 0 or values.max() >= num_nodes):
        raise ValueError(f"gcn_norm: edge_index names node {int(values.max())} (or a negative "
                         f"one), but there are num_nodes={num_nodes} nodes")
    if edge_weight is None:
        edge_weight = ones(e, dtype=dtype, device=edge_index.device)
    elif edge_weight.shape != (e,):
        raise ValueError(f"gcn_norm: edge_weight must have shape ({e},), one weight per edge, "
                         f"got shape {edge_weight.shape}")
    a = zeros(num_nodes, num_nodes, dtype=edge_weight.dtype, device=edge_index.device)
    return a.index_put((edge_index[1], edge_index[0]), edge_weight, accumulate=True)


def _adjacency(adjacency: Tensor, num_nodes: int | None, edge_weight: Tensor | None,
               dtype) -> Tensor:
    """The dense adjacency (..., N, N) from either form, in a floating point dtype."""
    if _is_edge_index(adjacency):
        return _from_edge_index(adjacency, num_nodes, edge_weight, dtype)
    a = adjacency
    n = a.shape[-1] if a.ndim else None
    if a.ndim < 2 or a.shape[-2] != n or (num_nodes is not None and n != num_nodes):
        nodes = "N" if num_nodes is None else num_nodes
        raise ValueError(f"gcn_norm: expected a dense adjacency of shape (..., {nodes}, "
                         f"{nodes}) or an int64 edge_index of shape (2, E), got a "
                         f"{a.dtype.name} tensor of shape {a.shape}")
    if edge_weight is not None:
        raise ValueError("gcn_norm: edge_weight goes with an edge_index; a dense adjacency "
                         "holds its weights itself")
    if not a.is_floating_point:
        a = a.to(dtype if dtype is not None else dt.get_default_dtype())
    return a


def gcn_norm(adjacency: Tensor, add_self_loops: bool = True, num_nodes: int | None = None,
             edge_weight: Tensor | None = None, improved: bool = False,
             dtype=None) -> Tensor:
    """The dense normalised adjacency Â = D^-1/2 (A + I) D^-1/2, D the row sums of A + I.

    adjacency: a dense (..., N, N) tensor, A[i, j] the weight of the edge j -> i, or an int64
    edge_index (2, E) of (source, target) rows with optional edge_weight (E,) and num_nodes
    (default: the largest index + 1). Self-loops are added, with weight 1 (2 if improved), only
    to nodes that have none, as PyTorch Geometric does. A node of degree 0 gets a zero row and
    column. dtype: the float dtype of an adjacency without one (default dtype otherwise)."""
    a = _adjacency(adjacency, num_nodes, edge_weight, dtype)
    if dtype is not None:
        a = a.to(dtype)
    if add_self_loops:
        diagonal = eye(a.shape[-1], dtype=a.dtype, device=a.device).bool()
        a = where(diagonal & (a == 0), 2.0 if improved else 1.0, a)
    deg = a.sum(-1)
    has_edges = deg > 0
    inv_sqrt = where(has_edges, where(has_edges, deg, 1.0).rsqrt(), 0.0)
    return inv_sqrt.unsqueeze(-1) * a * inv_sqrt.unsqueeze(-2)


def gcn_conv(input: Tensor, adjacency: Tensor, weight: Tensor,
             bias: Tensor | None = None, add_self_loops: bool = True, normalize: bool = True,
             edge_weight: Tensor | None = None, improved: bool = False) -> Tensor:
    """One graph convolution out = Â X W^T + b of node features X (..., N, in_channels), with
    weight (out_channels, in_channels) and bias (out_channels,). Â is gcn_norm(adjacency) when
    normalize, else the adjacency itself (a precomputed Â, or an edge_index made dense)."""
    x = input
    if x.ndim < 2 or weight.ndim != 2 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"gcn_conv: expected node features of shape (N, {weight.shape[-1]}) "
                         f"for a weight of shape {weight.shape}, got shape {x.shape}")
    n = x.shape[-2]
    if normalize:
        a = gcn_norm(adjacency, add_self_loops, n, edge_weight, improved, x.dtype)
    else:
        a = _adjacency(adjacency, n, edge_weight, x.dtype).to(x.dtype)
    if a.shape[-1] != n:
        raise ValueError(f"gcn_conv: the adjacency of shape {a.shape} does not match the {n} "
                         f"nodes of node features of shape {x.shape}")
    out = a @ (x @ weight.mT)
    return out if bias is None else out + bias
