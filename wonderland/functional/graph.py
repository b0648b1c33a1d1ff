"""Graph convolution (Kipf & Welling, as PyTorch Geometric's GCNConv): the symmetrically
normalised adjacency D^-1/2 (A + I) D^-1/2, built from a dense adjacency or an edge_index, and
the propagation rule out = Â X W^T + b; and the edge-list helpers message passing runs on
(self-loops, the normalised edge weights, scatter aggregation, the softmax over in-edges)."""
# ruff: noqa: A002  (PyTorch's argument name `input`)
from __future__ import annotations

import numpy as np

from ..core import dtype as dt
from ..core.tensor import Tensor
from ..ops import arange, cat, eye, full, ones, stack, where, zeros
from ..sparse.mm import SparseDenseMM

__all__ = ["gcn_norm", "gcn_conv", "gcn_edge_norm", "add_remaining_self_loops",
           "remove_self_loops", "check_edge_index", "gather_rows", "scatter", "edge_softmax"]


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


# ---- the edge-list (sparse) forms: what message passing runs on ---------------------------------

def check_edge_index(edge_index, num_nodes: int, who: str) -> None:
    """Raise naming `who` unless edge_index is an int64 (2, E) tensor of nodes in [0, num_nodes)."""
    if not isinstance(edge_index, Tensor):
        raise TypeError(f"{who}: edge_index must be an int64 tensor of shape (2, E), got "
                        f"{type(edge_index).__name__}")
    if edge_index.dtype is not dt.int64:
        raise TypeError(f"{who}: edge_index must be int64 (source, target) rows, got "
                        f"{edge_index.dtype.name}")
    if edge_index.ndim != 2 or edge_index.shape[0] != 2:
        raise ValueError(f"{who}: edge_index must have shape (2, E), rows of sources and "
                         f"targets, got shape {edge_index.shape}")
    values = edge_index._values()
    if values.size and (values.min() < 0 or values.max() >= num_nodes):
        bad = int(values.max()) if values.max() >= num_nodes else int(values.min())
        raise ValueError(f"{who}: edge_index names node {bad}, but the node features have "
                         f"{num_nodes} nodes (expected 0 <= node < {num_nodes})")


def add_remaining_self_loops(edge_index: Tensor, num_nodes: int,
                             edge_weight: Tensor | None = None,
                             fill_value: float = 1.0) -> tuple[Tensor, Tensor | None]:
    """edge_index with a loop i -> i added for every node that has none (an existing loop keeps
    its weight; the new ones weigh fill_value), as PyTorch Geometric's function of that name."""
    values = edge_index._values()
    has_loop = np.zeros(num_nodes, dtype=bool)
    has_loop[values[0][values[0] == values[1]]] = True
    missing = np.flatnonzero(~has_loop)
    loops = Tensor(np.stack([missing, missing]).astype(np.int64), device=edge_index.device)
    out = cat([edge_index, loops], 1)
    if edge_weight is None:
        return out, None
    fill = full((len(missing),), fill_value, dtype=edge_weight.dtype, device=edge_weight.device)
    return out, cat([edge_weight, fill])


def remove_self_loops(edge_index: Tensor) -> Tensor:
    """edge_index without its loops i -> i."""
    values = edge_index._values()
    return edge_index[:, Tensor(np.flatnonzero(values[0] != values[1]).astype(np.int64))]


def gcn_edge_norm(edge_index: Tensor, num_nodes: int, edge_weight: Tensor | None = None,
                  add_self_loops: bool = True, improved: bool = False,
                  dtype=None) -> tuple[Tensor, Tensor]:
    """(edge_index, w) with w_ij = d_i^-1/2 a_ij d_j^-1/2 on each edge j -> i, d the weighted
    in-degree with the self-loops gcn_norm adds: gcn_norm's entries, kept as an edge list."""
    if edge_weight is None:
        edge_weight = ones(edge_index.shape[1], dtype=dtype or dt.get_default_dtype(),
                           device=edge_index.device)
    elif edge_weight.shape != (edge_index.shape[1],):
        raise ValueError(f"gcn_norm: edge_weight must have shape ({edge_index.shape[1]},), one "
                         f"weight per edge, got shape {edge_weight.shape}")
    if add_self_loops:
        edge_index, edge_weight = add_remaining_self_loops(edge_index, num_nodes, edge_weight,
                                                           2.0 if improved else 1.0)
    src, dst = edge_index[0], edge_index[1]
    deg = zeros(num_nodes, dtype=edge_weight.dtype, device=edge_weight.device)
    deg = deg.index_add(0, dst, edge_weight)
    inv_sqrt = where(deg > 0, where(deg > 0, deg, 1.0).rsqrt(), 0.0)
    return edge_index, gather_rows(inv_sqrt, dst) * edge_weight * gather_rows(inv_sqrt, src)


def _one_hot_product(rows: int, at: Tensor, x: Tensor) -> Tensor:
    """S @ x for the 0/1 sparse matrix S (rows, len(x)) with ones at `at` (2, nnz), x's trailing
    dims flattened: SciPy's CSR product, forward and backward (S^T g), far quicker than
    np.add.at, which index_add and index_select's gradient go through."""
    flat = x.reshape(x.shape[0], -1)
    y = SparseDenseMM(rows)(at, ones(at.shape[1], dtype=x.dtype, device=x.device), flat)
    return y.reshape((rows,) + x.shape[1:])


def _sparse_ok(x: Tensor) -> bool:
    return x.is_floating_point and x.device.type == "cpu" and x.ndim >= 1


def gather_rows(x: Tensor, index: Tensor) -> Tensor:
    """x[index] for a 1-D int64 index: x.index_select(0, index), run on the CPU as a sparse
    one-hot (E, N) matrix times x so that its gradient is a sparse product too."""
    if not _sparse_ok(x):
        return x.index_select(0, index)
    e = index.shape[0]
    return _one_hot_product(e, stack([arange(e, device=index.device), index]), x)


def scatter(src: Tensor, index: Tensor, num_nodes: int, reduce: str = "sum") -> Tensor:
    """Combine the rows of src (E, ...) into num_nodes rows by index (E,): 'sum' (index_add),
    'mean' (sum over count, 0 where nothing lands) or 'max' (scatter_reduce amax, 0 where
    nothing lands), as PyTorch Geometric's aggregations."""
    out = zeros((num_nodes,) + src.shape[1:], dtype=src.dtype, device=src.device)
    if reduce in ("sum", "add", "mean"):
        if _sparse_ok(src):  # index_add's sum as a sparse one-hot (N, E) matrix times src
            e = index.shape[0]
            total = _one_hot_product(num_nodes, stack([index, arange(e, device=index.device)]),
                                     src)
        else:
            total = out.index_add(0, index, src)
        if reduce != "mean":
            return total
        count = zeros(num_nodes, dtype=src.dtype, device=src.device)
        count = count.index_add(0, index, ones(index.shape[0], dtype=src.dtype,
                                                device=src.device)).clamp(min=1.0)
        return total / count.reshape((num_nodes,) + (1,) * (src.ndim - 1))
    if reduce == "max":
        wide = index.reshape((-1,) + (1,) * (src.ndim - 1)).expand(src.shape)
        return out.scatter_reduce(0, wide, src, "amax", include_self=False)
    raise ValueError(f"scatter: reduce must be 'sum', 'mean' or 'max', got {reduce!r}")


def edge_softmax(scores: Tensor, index: Tensor, num_nodes: int) -> Tensor:
    """The softmax of scores (E, ...) over the edges that share a target index[e]: exp(s_e -
    max) / sum exp(s - max), the max (scatter amax, a constant shift) for stability."""
    peak = scatter(scores.detach(), index, num_nodes, "max")
    e = (scores - gather_rows(peak, index)).exp()
    total = scatter(e, index, num_nodes, "sum")
    return e / (gather_rows(total, index) + 1e-16)
