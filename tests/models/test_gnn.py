"""The graph models: GCN (plain, residual, PairNorm) against a PyTorch twin with the same weights,
the Dirichlet energy and PairNorm against their formulas in NumPy, every model learning the
karate club's factions from a few labels, the recipes' batch-of-one-graph input, and the
node-classification splits and metric of recipes/_graph.py."""
import networkx as nx
import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland.data.datasets import KarateClub
from wonderland.models.gnn import GAT, GCN, GIN, GraphSAGE, PairNorm, dirichlet_energy
from wonderland.recipes._graph import IGNORE, node_accuracy, node_loss, splits

RNG = np.random.default_rng(0)


def karate():
    k = KarateClub()
    return k, wl.tensor(k.x), wl.tensor(k.edge_index)


def torch_adjacency(edge_index, n):
    a = torch.zeros(n, n, dtype=torch.float64)
    a[edge_index[1], edge_index[0]] = 1.0
    a = a + torch.eye(n, dtype=torch.float64)
    d = a.sum(1).pow(-0.5)
    return d[:, None] * a * d[None, :]


@pytest.mark.parametrize("kwargs", [{}, {"residual": True}, {"norm": "pairnorm"}])
def test_gcn_matches_a_torch_twin(kwargs):
    k, x, ei = karate()
    model = GCN(34, 8, 2, num_layers=3, dropout=0.0, **kwargs).double()
    a = torch_adjacency(k.edge_index, 34)
    ws = [(torch.tensor(np.asarray(c.weight.detach()), requires_grad=True),
           torch.tensor(np.asarray(c.bias.detach()), requires_grad=True)) for c in model.convs]
    h = torch.tensor(k.x, dtype=torch.float64)
    for i, (w, b) in enumerate(ws):
        out = a @ (h @ w.T) + b
        if i < len(ws) - 1:
            if kwargs.get("norm"):
                out = out - out.mean(0, keepdim=True)
                out = out / ((out * out).sum(-1).mean() + 1e-6).sqrt()
            out = torch.relu(out)
            if kwargs.get("residual") and out.shape == h.shape:
                out = out + h
        h = out
    got = model(x.double(), ei)
    np.testing.assert_allclose(np.asarray(got.detach()), h.detach().numpy(), rtol=1e-9,
                               atol=1e-12)
    g = RNG.standard_normal(h.shape)
    (got * wl.tensor(g)).sum().backward()
    (h * torch.tensor(g)).sum().backward()
    for conv, (w, b) in zip(model.convs, ws):
        np.testing.assert_allclose(np.asarray(conv.weight.grad), w.grad.numpy(), rtol=1e-8,
                                   atol=1e-12)
        np.testing.assert_allclose(np.asarray(conv.bias.grad), b.grad.numpy(), rtol=1e-8,
                                   atol=1e-12)


def test_dirichlet_energy_and_pairnorm_formulas():
    k, _, ei = karate()
    x = RNG.standard_normal((34, 3))
    deg = np.bincount(k.edge_index[1], minlength=34)
    scaled = x / np.sqrt(1 + deg)[:, None]
    want = 0.5 * sum(np.sum((scaled[i] - scaled[j]) ** 2) for j, i in k.edge_index.T)
    np.testing.assert_allclose(float(dirichlet_energy(wl.tensor(x), ei)), want, rtol=1e-10)
    # tr(X^T (I - Â) X): the same, from the normalised adjacency with self-loops
    a = torch_adjacency(k.edge_index, 34).numpy()
    np.testing.assert_allclose(np.trace(x.T @ (np.eye(34) - a) @ x), want, rtol=1e-10)
    fixed = np.sqrt(1 + deg)[:, None] * np.ones((1, 3))  # Â's fixed point: no energy
    assert float(dirichlet_energy(wl.tensor(fixed), ei)) < 1e-20
    out = np.asarray(PairNorm(2.0)(wl.tensor(x)))
    np.testing.assert_allclose(out.mean(0), 0.0, atol=1e-12)
    np.testing.assert_allclose((out ** 2).sum(1).mean(), 4.0, rtol=1e-5)


@pytest.mark.parametrize("make", [
    lambda: GCN(34, 16, 2),
    lambda: GAT(34, 4, 2, heads=2, dropout=0.2),
    lambda: GraphSAGE(34, 16, 2),
    lambda: GIN(34, 16, 2),
])
def test_models_learn_the_karate_club_from_a_few_labels(make):
    k, x, ei = karate()
    train = np.array([0, 1, 2, 33, 32, 31])
    y = np.full(34, IGNORE)
    y[train] = k.y[train]
    model = make()
    opt = wl.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(60):
        opt.zero_grad()
        loss = node_loss(model((x[None], ei[None])), wl.tensor(y))  # a batch of one graph
        loss.backward()
        opt.step()
    model.eval()
    assert node_accuracy(model(x, ei), wl.tensor(k.y)) > 0.8


def test_splits_and_masked_metric():
    g = nx.path_graph(5)
    ei = np.array(list(g.edges())).T
    x, y = np.eye(5, dtype=np.float32), np.array([0, 1, 0, 1, 1])
    train, val, test = splits(x, ei, y, [0, 1], None, [2, 3, 4])
    assert val is None and len(train) == 1
    (gx, gei), ty = train[0]
    assert gx is x and gei is ei and ty.tolist() == [0, 1, IGNORE, IGNORE, IGNORE]
    scores = wl.tensor([[1.0, 0], [1, 0], [1, 0], [0, 1], [1, 0]])
    assert node_accuracy(scores, wl.tensor(test[0][1])) == pytest.approx(2 / 3)
    want = torch.nn.functional.cross_entropy(torch.tensor(np.asarray(scores))[2:],
                                             torch.tensor(y[2:]))
    assert float(node_loss(scores, wl.tensor(test[0][1])[None])) == pytest.approx(float(want))
    with pytest.raises(IndexError, match="NodeSplit: index 1 out of range"):
        train[1]
