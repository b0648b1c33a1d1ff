"""gcn_norm and GCNConv against a hand computation of D^-1/2 (A + I) D^-1/2 X W^T + b in torch
(float64), on Zachary's karate club (networkx); gradients, gradcheck, vmap,
initialisation, errors, and a two-layer GCN that learns the karate club's split."""
import networkx as nx  # a test dependency (pyproject's test extra)
import numpy as np
import pytest
import torch

import wonderland as wl
import wonderland.nn.functional as F
from wonderland import nn

RNG = np.random.default_rng(0)


def close(got, want, rtol=1e-9, atol=1e-11):
    got = np.asarray(got.detach()) if isinstance(got, wl.Tensor) else got
    want = want.detach().numpy() if isinstance(want, torch.Tensor) else np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def karate():
    """(edge_index (2, E) with both directions of each edge, number of nodes)."""
    g = nx.karate_club_graph()
    n, pairs = g.number_of_nodes(), np.array(list(g.edges())).T
    return np.concatenate([pairs, pairs[::-1]], axis=1), n


def torch_dense(edge_index, n, weight=None):
    """A[target, source] = the summed weights of the edges source -> target."""
    w = torch.ones(edge_index.shape[1], dtype=torch.float64) if weight is None else weight
    return torch.zeros(n, n, dtype=torch.float64).index_put(
        (torch.tensor(edge_index[1]), torch.tensor(edge_index[0])), w, accumulate=True)


def torch_gcn_norm(edge_index, n, weight=None, self_loops=True, fill=1.0):
    """The formula by hand, missing self-loops filled in (PyG's add_remaining_self_loops)."""
    a = torch_dense(edge_index, n, weight)
    if self_loops:
        diagonal = torch.diagonal(a)
        a = a + torch.diag(torch.where(diagonal == 0, fill, 0.0).to(torch.float64))
    d = a.sum(1)
    d = torch.where(d > 0, d.clamp(min=1e-300) ** -0.5, 0.0)
    return d[:, None] * a * d[None, :]


def test_gcn_norm_of_edge_index_and_of_dense_adjacency_match_the_formula():
    edge_index, n = karate()
    want = torch_gcn_norm(edge_index, n)
    close(F.gcn_norm(wl.tensor(edge_index), dtype=wl.float64), want)
    dense = np.zeros((n, n))
    dense[edge_index[1], edge_index[0]] = 1.0
    close(F.gcn_norm(wl.tensor(dense)), want)
    close(F.gcn_norm(wl.tensor(dense > 0), dtype=wl.float64), want)
    rows = np.asarray(F.gcn_norm(wl.tensor(dense))).sum(1)
    assert np.all(rows > 0)


@pytest.mark.parametrize("case", ["directed", "weighted", "self_loops", "isolated", "improved",
                                  "no_self_loops", "duplicates"])
def test_gcn_norm_cases(case):
    edge_index = np.array([[0, 1, 2, 3, 0], [1, 2, 0, 1, 3]])
    n, kwargs, weight, fill, loops = 5, {}, None, 1.0, True
    if case == "weighted":
        weight = torch.tensor(RNG.random(5) + 0.5)
        kwargs["edge_weight"] = wl.tensor(weight.numpy())
    if case == "self_loops":  # an existing loop keeps its weight (PyG's add_remaining_self_loops)
        edge_index = np.concatenate([edge_index, [[2, 4], [2, 4]]], axis=1)
    if case == "improved":
        kwargs["improved"], fill = True, 2.0
    if case in ("isolated", "no_self_loops"):  # node 4 has no edges: a zero row and column
        kwargs["add_self_loops"], loops = False, False
    if case == "duplicates":  # a repeated edge counts twice
        edge_index = np.concatenate([edge_index, [[0], [1]]], axis=1)
    got = F.gcn_norm(wl.tensor(edge_index), num_nodes=n, dtype=wl.float64, **kwargs)
    want = torch_gcn_norm(edge_index, n, weight, loops, fill)
    close(got, want)
    assert np.isfinite(np.asarray(got)).all()


CONFIGS = [
    {},
    {"bias": False},
    {"add_self_loops": False},
    {"improved": True},
    {"normalize": False},
    {"cached": True},
]


@pytest.mark.parametrize("kwargs", CONFIGS)
@pytest.mark.parametrize("weighted", [False, True])
def test_gcnconv_matches_torch_hand_computation(kwargs, weighted):
    edge_index, n = karate()
    conv = nn.GCNConv(6, 4, **kwargs).double()
    if conv.bias is not None:
        nn.init.normal_(conv.bias)
    w = torch.tensor(np.asarray(conv.weight.detach()), requires_grad=True)
    b = torch.tensor(np.asarray(conv.bias.detach()), requires_grad=True) \
        if conv.bias is not None else None
    ew = RNG.random(edge_index.shape[1]) + 0.5 if weighted else None
    for _ in range(2):  # twice: a cached adjacency must give the same
        x, g = RNG.standard_normal((n, 6)), RNG.standard_normal((n, 4))
        xw, xt = wl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yw = conv(xw, wl.tensor(edge_index), None if ew is None else wl.tensor(ew))
        ewt = None if ew is None else torch.tensor(ew)
        if kwargs.get("normalize", True):
            adj = torch_gcn_norm(edge_index, n, ewt, kwargs.get("add_self_loops", True),
                                 2.0 if kwargs.get("improved") else 1.0)
        else:
            adj = torch_dense(edge_index, n, ewt)
        yt = adj @ (xt @ w.T) + (0 if b is None else b)
        close(yw, yt)
        (yw * wl.tensor(g)).sum().backward()
        (yt * torch.tensor(g)).sum().backward()
        close(xw.grad, xt.grad)
        close(conv.weight.grad, w.grad)
        if b is not None:
            close(conv.bias.grad, b.grad)
        conv.zero_grad()
        w.grad = None
        if b is not None:
            b.grad = None


def test_gcnconv_with_dense_and_batched_adjacency():
    edge_index, n = karate()
    conv = nn.GCNConv(3, 2).double()
    dense = np.zeros((n, n))
    dense[edge_index[1], edge_index[0]] = 1.0
    x = wl.tensor(RNG.standard_normal((n, 3)))
    close(conv(x, wl.tensor(dense)), conv(x, wl.tensor(edge_index)))
    xs = wl.tensor(RNG.standard_normal((2, n, 3)))
    batched = wl.tensor(np.stack([dense, dense.T * 0.5]))
    out = conv(xs, batched)
    for k in range(2):
        close(out[k], conv(xs[k], batched[k]))


def test_initialisation_and_state_dict_as_pyg():
    conv = nn.GCNConv(200, 300)
    bound = np.sqrt(6.0 / 500)
    w = np.asarray(conv.weight.detach())
    assert w.shape == (300, 200) and np.abs(w).max() <= bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.01 * bound
    assert np.all(np.asarray(conv.bias.detach()) == 0)
    assert list(conv.state_dict()) == ["weight", "bias"]
    assert list(nn.GCNConv(2, 3, bias=False).state_dict()) == ["weight"]
    assert repr(nn.GCNConv(2, 3)) == "GCNConv(2, 3)"


def test_gradcheck_of_gcn_conv_and_gcn_norm():
    edge_index = wl.tensor([[0, 1, 1, 2, 3], [1, 0, 2, 1, 1]])

    def leaf(*shape):
        return wl.tensor(RNG.random(shape) + 0.5, requires_grad=True)

    assert wl.autograd.gradcheck(lambda x, w, b: F.gcn_conv(x, edge_index, w, b),
                                 (leaf(4, 3), leaf(2, 3), leaf(2)))
    assert wl.autograd.gradcheck(lambda a: F.gcn_norm(a), (leaf(4, 4),))
    assert wl.autograd.gradcheck(lambda e: F.gcn_norm(edge_index, edge_weight=e), (leaf(5),))


def test_vmap_over_feature_matrices_of_one_graph():
    edge_index, n = karate()
    ei = wl.tensor(edge_index)
    w, b = wl.tensor(RNG.standard_normal((2, 3))), wl.tensor(RNG.standard_normal(2))
    xs = wl.tensor(RNG.standard_normal((4, n, 3)))
    out = wl.func.vmap(lambda x: F.gcn_conv(x, ei, w, b))(xs)
    close(out, np.stack([np.asarray(F.gcn_conv(x, ei, w, b)) for x in xs]))


def test_bad_input_names_layer_and_shapes():
    conv, ei = nn.GCNConv(4, 2), wl.tensor([[0, 1], [1, 0]])
    with pytest.raises(ValueError, match=r"GCNConv: expected node features of shape \(N, 4\), "
                                         r"got shape \(3, 5\)"):
        conv(wl.zeros(3, 5), ei)
    with pytest.raises(ValueError, match=r"GCNConv: expected a dense adjacency of shape \(3, 3\) "
                                         r"for 3 nodes, got shape \(4, 4\)"):
        conv(wl.zeros(3, 4), wl.zeros(4, 4))
    with pytest.raises(ValueError, match=r"GCNConv: edge_index names node 5, but the node "
                                         r"features have 3 nodes"):
        conv(wl.zeros(3, 4), wl.tensor([[0, 5], [1, 0]]))
    with pytest.raises(ValueError, match=r"gcn_norm: edge_index names node 5 .* num_nodes=3"):
        nn.GCNConv(4, 2, propagation="dense")(wl.zeros(3, 4), wl.tensor([[0, 5], [1, 0]]))
    with pytest.raises(ValueError, match=r"gcn_norm: edge_weight must have shape \(2,\)"):
        conv(wl.zeros(3, 4), ei, wl.ones(3))
    with pytest.raises(ValueError, match=r"gcn_conv: expected node features of shape \(N, 4\) "
                                         r"for a weight of shape \(2, 4\), got shape \(3, 3\)"):
        F.gcn_conv(wl.zeros(3, 3), ei, wl.zeros(2, 4))


def test_two_layer_gcn_learns_the_karate_club_split():
    g = nx.karate_club_graph()
    labels = np.array([g.nodes[i]["club"] == "Officer" for i in g.nodes], dtype=np.int64)
    edge_index, n = karate()
    ei, x = wl.tensor(edge_index), wl.eye(n)  # one-hot node identities as features
    first, second = nn.GCNConv(n, 8, cached=True), nn.GCNConv(8, 2, cached=True)
    params = list(first.parameters()) + list(second.parameters())
    target = wl.one_hot(wl.tensor(labels), 2).float()
    for _ in range(100):
        logits = second(first(x, ei).relu(), ei)
        logp = logits - logits.logsumexp(-1, keepdim=True)
        loss = -(logp * target).sum() / n
        loss.backward()
        with wl.no_grad():
            for p in params:
                p.data = p - 0.5 * p.grad
                p.grad = None
    accuracy = (np.asarray(logits.detach().argmax(-1)) == labels).mean()
    assert float(loss) < 0.3 and accuracy > 0.9
