"""A two-layer GCN (Kipf and Welling) on networkx's karate club graph, written once against
the torch API and run with torch and with wonderland (the import renamed): the normalised
adjacency built as PyTorch's GCN example builds it (an int64 sparse adjacency, dense self-loops,
sparse degree matrices, to_sparse), sparse features, and the loss and every gradient in float64
matching PyTorch's with its sparse tensors."""
import networkx as nx
import numpy as np
import pytest
import torch

import wonderland as wl


def _graph():
    graph = nx.karate_club_graph()
    edges = np.array(graph.edges(), dtype=np.int32)
    edges = np.concatenate([edges, edges[:, ::-1]])  # both directions
    labels = np.array([graph.nodes[n]["club"] == "Officer" for n in graph], dtype=np.int64)
    return edges, labels, graph.number_of_nodes()


def _adjacency(lib, edges, n):
    """D^-1/2 (A + I) D^-1/2, the steps of PyTorch's examples/gcn/main.py."""
    adj = lib.sparse_coo_tensor(edges.T, lib.ones(len(edges)), (n, n), dtype=lib.int64)
    adj = lib.eye(n, dtype=lib.float64) + adj
    degree = lib.sqrt(1 / lib.sum(adj, dim=1))
    degree = lib.diag(degree).to_sparse()
    return (degree @ adj @ degree).to_sparse()


def _gcn(lib, weights, features, adj, labels):
    """log_softmax(A relu(A X W1) W2), its NLL loss over every node."""
    hidden = lib.relu(lib.spmm(adj, lib.mm(features, weights[0])))
    out = lib.nn.functional.log_softmax(lib.sparse.mm(adj, hidden @ weights[1]), dim=1)
    return lib.nn.functional.nll_loss(out, labels)


@pytest.mark.parametrize("hidden", [4, 16])
def test_gcn_loss_and_gradients_match_pytorch(hidden):
    edges, labels, n = _graph()
    rng = np.random.default_rng(hidden)
    feats = rng.standard_normal((n, 6)) * (rng.random((n, 6)) < 0.5)  # half zeros: sparse
    shapes = [(6, hidden), (hidden, 2)]
    w = [rng.standard_normal(s) / np.sqrt(s[0]) for s in shapes]
    results = []
    for lib in (wl, torch):
        weights = [lib.tensor(a, requires_grad=True) for a in w]
        adj = _adjacency(lib, edges, n)
        features = lib.tensor(feats).to_sparse()
        with torch.sparse.check_sparse_tensor_invariants():  # (keeps torch's warning away)
            loss = _gcn(lib, weights, features, adj, lib.tensor(labels))
            loss.backward()
        results.append([np.asarray(adj.to_dense().detach()), loss.item()]
                       + [np.asarray(x.grad) for x in weights])
    assert adj.is_sparse and _adjacency(wl, edges, n).is_sparse
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
