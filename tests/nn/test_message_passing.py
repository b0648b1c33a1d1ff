"""The message-passing layers (GCNConv's sparse paths, GATConv, SAGEConv, GINConv) against the
same layers written in plain PyTorch (PyTorch Geometric's formulas: gather by index, scatter by
index_add / scatter_reduce) with the same weights on a small random graph: values and gradients;
the edge softmax; gradcheck in float64; errors for bad edge_index."""
import numpy as np
import pytest
import torch

import wonderland as wl
import wonderland.nn.functional as F
from wonderland import nn

RNG = np.random.default_rng(0)
N, E = 7, 18


def graph(loops: bool = True):
    """A random directed multigraph on N nodes (a duplicate edge, a self-loop, an isolated
    node 6 with no in-edges)."""
    src, dst = RNG.integers(0, N - 1, E), RNG.integers(0, N - 1, E)
    src[:2], dst[:2] = (3, 3), (1, 1)  # a duplicate
    if loops:
        src[2], dst[2] = 2, 2
    return np.stack([src, dst]).astype(np.int64)


def close(got, want, rtol=1e-9, atol=1e-11):
    got = np.asarray(got.detach()) if isinstance(got, wl.Tensor) else got
    want = want.detach().numpy() if isinstance(want, torch.Tensor) else np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def twin(param):
    return torch.tensor(np.asarray(param.detach()), requires_grad=True)


def t_scatter(src, index, n, reduce="sum"):
    out = torch.zeros((n,) + src.shape[1:], dtype=src.dtype)
    if reduce == "max":
        wide = index.view(-1, *([1] * (src.dim() - 1))).expand_as(src)
        return out.scatter_reduce(0, wide, src, "amax", include_self=False)
    total = out.index_add(0, index, src)
    if reduce == "mean":
        count = torch.zeros(n, dtype=src.dtype).index_add(0, index, torch.ones(len(index),
                                                                                dtype=src.dtype))
        total = total / count.clamp(min=1).view(-1, *([1] * (src.dim() - 1)))
    return total


def t_softmax(scores, index, n):
    """PyG's softmax: shift by the per-target max, exp, divide by the per-target sum."""
    peak = t_scatter(scores.detach(), index, n, "max")
    e = (scores - peak[index]).exp()
    return e / (t_scatter(e, index, n)[index] + 1e-16)


def t_loops(ei, n, keep=True):
    """add_remaining_self_loops (keep=True) or remove then add (GAT)."""
    if not keep:
        ei = ei[:, ei[0] != ei[1]]
    have = set(ei[0][ei[0] == ei[1]].tolist())
    missing = [i for i in range(n) if i not in have]
    return np.concatenate([ei, np.array([missing, missing])], 1).astype(np.int64), len(missing)


def check(layer, torch_fn, x, ei, params):
    """Forward and every gradient of `layer` against torch_fn(x, ei, *params)."""
    xw, xt = wl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    tparams = [twin(p) for p in params]
    yw, yt = layer(xw, wl.tensor(ei)), torch_fn(xt, torch.tensor(ei), *tparams)
    close(yw, yt)
    g = RNG.standard_normal(yt.shape)
    (yw * wl.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    close(xw.grad, xt.grad)
    for p, t in zip(params, tparams):
        close(p.grad, t.grad)


@pytest.mark.parametrize("propagation", ["spmm", "scatter", "dense"])
@pytest.mark.parametrize("weighted", [False, True])
def test_gcnconv_propagations_match_torch(propagation, weighted):
    ei = graph()
    ew = RNG.random(E) + 0.5 if weighted else None
    conv = nn.GCNConv(5, 3, propagation=propagation).double()
    nn.init.normal_(conv.bias)

    def torch_gcn(x, ei, w, b):
        e, added = t_loops(ei.numpy(), N)
        e = torch.tensor(e)
        wt = torch.ones(E, dtype=torch.float64) if ew is None else torch.tensor(ew)
        wt = torch.cat([wt, torch.ones(added, dtype=torch.float64)])
        deg = torch.zeros(N, dtype=torch.float64).index_add(0, e[1], wt)
        norm = deg.pow(-0.5)[e[1]] * wt * deg.pow(-0.5)[e[0]]
        return t_scatter((x @ w.T)[e[0]] * norm[:, None], e[1], N) + b

    x = RNG.standard_normal((N, 5))
    xw = wl.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    w, b = twin(conv.weight), twin(conv.bias)
    yw = conv(xw, wl.tensor(ei), None if ew is None else wl.tensor(ew))
    yt = torch_gcn(xt, torch.tensor(ei), w, b)
    close(yw, yt)
    g = RNG.standard_normal(yt.shape)
    (yw * wl.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    for a, t in ((xw, xt), (conv.weight, w), (conv.bias, b)):
        close(a.grad, t.grad)


@pytest.mark.parametrize("concat", [True, False])
@pytest.mark.parametrize("self_loops", [True, False])
def test_gatconv_matches_torch(concat, self_loops):
    heads, c = 3, 4
    conv = nn.GATConv(5, c, heads=heads, concat=concat, negative_slope=0.2,
                      add_self_loops=self_loops).double()
    nn.init.normal_(conv.bias)

    def torch_gat(x, ei, w, a_src, a_dst, b):
        e = torch.tensor(t_loops(ei.numpy(), N, keep=False)[0]) if self_loops else ei
        z = (x @ w.T).view(N, heads, c)
        s, d = (z * a_src).sum(-1), (z * a_dst).sum(-1)
        alpha = torch.nn.functional.leaky_relu(s[e[0]] + d[e[1]], 0.2)
        alpha = t_softmax(alpha, e[1], N)
        out = t_scatter(z[e[0]] * alpha[..., None], e[1], N)
        out = out.reshape(N, heads * c) if concat else out.mean(1)
        return out + b

    check(conv, torch_gat, RNG.standard_normal((N, 5)), graph(),
          [conv.weight, conv.att_src, conv.att_dst, conv.bias])


def test_gat_attention_dropout_acts_in_training_only():
    conv = nn.GATConv(4, 2, heads=2, dropout=0.5).double()
    x, ei = wl.tensor(RNG.standard_normal((N, 4))), wl.tensor(graph())
    conv.eval()
    first = conv(x, ei)
    close(conv(x, ei), np.asarray(first))
    conv.train()
    assert not np.allclose(np.asarray(conv(x, ei)), np.asarray(first))


@pytest.mark.parametrize("aggr", ["mean", "max", "add"])
@pytest.mark.parametrize("normalize", [False, True])
def test_sageconv_matches_torch(aggr, normalize):
    conv = nn.SAGEConv(5, 3, aggr=aggr, normalize=normalize).double()

    def torch_sage(x, ei, wl_, bl, wr):
        out = t_scatter(x[ei[0]], ei[1], N, {"add": "sum"}.get(aggr, aggr)) @ wl_.T + bl
        out = out + x @ wr.T
        return torch.nn.functional.normalize(out, dim=-1) if normalize else out

    check(conv, torch_sage, RNG.standard_normal((N, 5)), graph(),
          [conv.lin_l.weight, conv.lin_l.bias, conv.lin_r.weight])


@pytest.mark.parametrize("train_eps", [False, True])
def test_ginconv_matches_torch(train_eps):
    mlp = nn.Sequential(nn.Linear(5, 6), nn.ReLU(), nn.Linear(6, 3)).double()
    conv = nn.GINConv(mlp, eps=0.25, train_eps=train_eps).double()
    assert ("eps" in dict(conv.named_parameters())) == train_eps

    def torch_gin(x, ei, w1, b1, w2, b2, *eps):
        eps = eps[0] if eps else torch.tensor([0.25], dtype=torch.float64)
        h = (1 + eps) * x + t_scatter(x[ei[0]], ei[1], N)
        return torch.relu(h @ w1.T + b1) @ w2.T + b2

    params = [mlp[0].weight, mlp[0].bias, mlp[2].weight, mlp[2].bias]
    check(conv, torch_gin, RNG.standard_normal((N, 5)), graph(),
          params + ([conv.eps] if train_eps else []))


def test_edge_softmax_and_scatter_match_torch():
    ei = graph()
    scores = RNG.standard_normal((E, 2)) * 30  # large: the max shift must keep it finite
    sw, st = wl.tensor(scores, requires_grad=True), torch.tensor(scores, requires_grad=True)
    index = ei[1]
    yw, yt = F.edge_softmax(sw, wl.tensor(index), N), t_softmax(st, torch.tensor(index), N)
    close(yw, yt)
    sums = np.zeros((N, 2))
    np.add.at(sums, index, np.asarray(yw))
    hit = np.isin(np.arange(N), index)
    close(sums[hit], np.ones((hit.sum(), 2)))
    g = RNG.standard_normal((E, 2))
    (yw * wl.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    close(sw.grad, st.grad)
    for reduce in ("sum", "mean", "max"):
        close(F.scatter(wl.tensor(scores), wl.tensor(index), N, reduce),
              t_scatter(torch.tensor(scores), torch.tensor(index), N, reduce))


def test_gradcheck_of_the_layers_in_float64():
    ei = wl.tensor(graph())
    x = wl.tensor(RNG.standard_normal((N, 3)), requires_grad=True)
    layers = [nn.GATConv(3, 2, heads=2).double(), nn.SAGEConv(3, 2).double(),
              nn.GCNConv(3, 2, propagation="scatter").double(),
              nn.GINConv(nn.Linear(3, 2).double())]
    for layer in layers:
        assert wl.autograd.gradcheck(lambda x, layer=layer: layer(x, ei), (x,))
    scores = wl.tensor(RNG.standard_normal((E,)), requires_grad=True)
    assert wl.autograd.gradcheck(lambda s: F.edge_softmax(s, ei[1], N), (scores,))


def test_message_passing_base_gathers_both_ends():
    class Difference(nn.MessagePassing):
        def message(self, x_i, x_j):
            return x_i - x_j

    ei, x = graph(), RNG.standard_normal((N, 2))
    want = np.zeros((N, 2))
    np.add.at(want, ei[1], x[ei[1]] - x[ei[0]])
    close(Difference()(wl.tensor(x), wl.tensor(ei)) if False else
          Difference().propagate(wl.tensor(ei), x=wl.tensor(x)), want)
    with pytest.raises(ValueError, match=r"Difference: aggr must be one of"):
        Difference(aggr="median")


@pytest.mark.parametrize("layer", [nn.GCNConv(3, 2), nn.GATConv(3, 2), nn.SAGEConv(3, 2),
                                   nn.GINConv(nn.Linear(3, 2))])
def test_bad_edge_index_is_refused_by_name(layer):
    name, x = type(layer).__name__, wl.zeros(4, 3)
    with pytest.raises(TypeError, match=rf"{name}: edge_index must be int64 .* got float32"):
        layer(x, wl.zeros(2, 3))
    with pytest.raises(ValueError, match=rf"{name}: edge_index must have shape \(2, E\).*"
                                         r"got shape \(3, 2\)"):
        layer(x, wl.tensor([[0, 1], [1, 2], [2, 3]]))
    with pytest.raises(ValueError, match=rf"{name}: edge_index names node 9, but the node "
                                         r"features have 4 nodes"):
        layer(x, wl.tensor([[0, 9], [1, 2]]))
    with pytest.raises(ValueError, match=rf"{name}: edge_index names node -1"):
        layer(x, wl.tensor([[0, -1], [1, 2]]))
