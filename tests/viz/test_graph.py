"""wonderland.viz.graph: the DOT text of known computations has exactly the expected primitive
nodes, edges, names and annotations; shared subexpressions once; long chains without recursion."""
from collections import Counter

import pytest

import wonderland as wl
from wonderland import viz

from .dot import Dot


def small():
    x = wl.randn(2, 3)
    w, b = wl.nn.Parameter(wl.randn(2, 3)), wl.nn.Parameter(wl.randn(2, 3))
    return x, w, b, (x * w + b).tanh().sum()


def test_small_expression_has_exactly_its_primitives_edges_and_names():
    x, w, b, y = small()
    d = Dot(viz.graph(y, dict(w=w, b=b)).source)
    assert Counter(d.title(n) for n in d.ops()) == Counter(["Mul", "Add", "Tanh", "Sum"])
    assert sorted(d.title(n) for n in d.leaves()) == ["b", "input", "w"]
    assert d.titled_edges() == sorted([("input", "Mul"), ("w", "Mul"), ("Mul", "Add"),
                                       ("b", "Add"), ("Add", "Tanh"), ("Tanh", "Sum"),
                                       ("Sum", "output")])
    total = next(n for n in d.ops() if d.title(n) == "Sum")
    assert d.label(total) == ["Sum", "axes=(0, 1)"]
    assert d.nodes[total]["penwidth"] == "2"  # the output's operation stands out
    assert d.label("out0") == ["output", "scalar f32"]
    assert d.label(next(n for n in d.leaves() if d.title(n) == "w")) == ["w", "2×3 f32"]
    between_ops = [a for t, h, a in d.edges if t.startswith("op") and h.startswith("op")]
    assert len(between_ops) == 3 and all(a["label"] == "2×3 f32" for a in between_ops)


def test_a_shared_subexpression_is_one_node_with_one_edge_per_use():
    x = wl.randn(3, requires_grad=True)
    s = x.exp()
    d = Dot(viz.graph((s * s + s).sum()).source)
    exps = [n for n in d.ops() if d.title(n) == "Exp"]
    assert len(exps) == 1 and len(d.leaves()) == 1
    assert sorted(d.title(h) for t, h, _ in d.edges if t == exps[0]) == ["Add", "Mul", "Mul"]
    mul = next(n for n in d.ops() if d.title(n) == "Mul")  # x*x: both argument positions shown
    assert sorted(a["headlabel"] for t, h, a in d.edges if h == mul) == ["0", "1"]


def test_argument_positions_of_a_non_commutative_operation():
    a, b = wl.randn(2, 3, requires_grad=True), wl.randn(3, 4)
    d = Dot(viz.graph(a @ b, dict(a=a), inputs=dict(b=b)).source)
    into = {d.title(t): e["headlabel"] for t, h, e in d.edges if h.startswith("op")}
    assert into == {"a": "0", "b": "1"}
    c = wl.randn(4)  # once inputs are named, the other no-grad leaves are constants
    d = Dot(viz.graph(a @ b + c, dict(a=a), inputs=dict(b=b)).source)
    assert sorted(d.title(n) for n in d.leaves()) == ["a", "b", "constant"]


def test_a_10000_operation_chain_needs_no_recursion():
    y = x = wl.randn(3, requires_grad=True)
    for _ in range(10_000):
        y = y.sin()
    d = Dot(viz.graph(y, max_nodes=None, collapse=False).source)
    assert len(d.ops()) == 10_000 and len(d.leaves()) == 1
    assert len(d.edges) == 10_001  # leaf -> first, 9999 between, last -> output
    short = Dot(viz.graph(y, collapse=False).source)  # the default cap: those nearest the output
    assert len(short.ops()) == viz.tape.DEFAULT_MAX_NODES
    assert short.label("more")[0] == f"… {10_000 - viz.tape.DEFAULT_MAX_NODES} more operations"
    folded = Dot(viz.graph(y).source)  # by default the chain is one Sin, repeated
    assert [folded.title(n) for n in folded.ops()] == ["Sin"]
    assert folded.clusters == ["×10000 (the first of 10000 repetitions drawn)"]
    assert x.grad is None


def test_max_nodes_draws_those_nearest_the_outputs_and_a_note_for_the_rest():
    x = wl.randn(3, requires_grad=True)
    y = x.exp().log().sin().cos().sum()
    d = Dot(viz.graph(y, max_nodes=2).source)
    assert sorted(d.title(n) for n in d.ops()) == ["Cos", "Sum"]
    assert d.label("more") == ["… 3 more operations", "not drawn (max_nodes=2)"]
    assert [(t, d.title(h)) for t, h, _ in d.edges if t == "more"] == [("more", "Cos")]
    assert not d.leaves()
    with pytest.raises(ValueError, match="max_nodes"):
        viz.graph(y, max_nodes=0)


def test_scalar_constants_are_written_inside_the_operation():
    x = wl.randn(3, requires_grad=True)
    d = Dot(viz.graph((2 - x * 3).sum()).source)
    assert sorted(d.title(n) for n in d.ops()) == ["Mul(·, 3)", "Sub(2, ·)", "Sum"]
    assert [d.title(n) for n in d.leaves()] == ["leaf"]
    one = wl.randn(1)  # a named one-element tensor keeps its node, also when broadcast
    d = Dot(viz.graph((x * one).sum(), inputs=dict(one=one)).source)
    assert sorted(d.title(n) for n in d.ops() + d.leaves()) == ["Mul", "Sum", "leaf",
                                                                "one (view)"]


def test_parameters_of_primitives_are_shown_compactly():
    x = wl.randn(2, 3, 4, requires_grad=True)
    m = wl.randn(4, 5, requires_grad=True)
    y = (x.sum(1, keepdim=True).reshape(2, 4)[1:, None].permute(1, 0, 2)
         + wl.einsum("bij,jk->bik", x, m)[:1, :1, :4]).sum()
    titles = {tuple(Dot.label(d, n)) for d in [Dot(viz.graph(y).source)] for n in d.ops()}
    for want in [("Sum", "axes=(1,)", "keepdims"), ("Reshape", "shape=(2, 4)"),
                 ("Getitem", "[1:, None]"), ("Permute", "axes=(1, 0, 2)"),
                 ("Einsum", "bij,jk->bik")]:
        assert want in titles, (want, titles)


def test_integer_index_arrays_are_summarised():
    x = wl.randn(5, requires_grad=True)
    d = Dot(viz.graph(x[wl.tensor([0, 3, 3])].sum()).source)
    assert ["Getitem", "[int64[3]]"] in [d.label(n) for n in d.ops()]


def test_without_shapes_there_are_no_shape_annotations():
    x, w, b, y = small()
    d = Dot(viz.graph(y, dict(w=w, b=b), show_shapes=False).source)
    assert all("label" not in a for _, _, a in d.edges)
    assert all(len(d.label(n)) == 1 for n in d.leaves() + ["out0"])


def test_show_saved_tells_what_the_tape_keeps_alive():
    x = wl.randn(4, requires_grad=True, dtype=wl.float64)
    src = viz.graph(x.exp().sin().sum(), show_saved=True).source
    d = Dot(src)
    saves = {d.title(n): d.label(n)[-1] for n in d.ops()}
    assert saves == {"Exp": "saves 32 B", "Sin": "saves 32 B", "Sum": "saves 32 B"}
    assert 'label="the tape keeps 2 intermediate tensors alive: 64 B"' in src


def test_several_outputs_by_position_or_by_name():
    x = wl.randn(3, requires_grad=True)
    h = x.exp()
    d = Dot(viz.graph([h, h.sum()]).source)
    assert [d.title(n) for n in ("out0", "out1")] == ["output 0", "output 1"]
    assert sorted(d.title(n) for n in d.ops()) == ["Exp", "Sum"]
    d = Dot(viz.graph({"loss": h.sum(), "x": x}).source)  # a leaf among outputs is drawn too
    assert d.titled_edges() == [("Exp", "Sum"), ("Sum", "loss"), ("leaf", "Exp"), ("leaf", "x")]


def test_a_tensor_without_a_graph_is_a_clear_error():
    x = wl.randn(3, requires_grad=True)
    with pytest.raises(ValueError, match="is a leaf"):
        viz.graph(x)
    with pytest.raises(ValueError, match="does not require grad"):
        viz.graph(wl.randn(3).exp())
    with wl.no_grad():
        y = x.exp()
    with pytest.raises(ValueError, match="no_grad"):
        viz.graph(y)
    with pytest.raises(TypeError, match="tensor"):
        viz.graph(3.0)
    with pytest.raises(TypeError, match="not a tensor"):
        viz.graph([x.exp(), 3.0])
    with pytest.raises(ValueError, match="no outputs"):
        viz.graph([])


def test_after_backward_the_freed_tape_is_an_error_or_drawn_dashed():
    x = wl.randn(3, requires_grad=True)
    y = x.exp().sum()
    y.backward(retain_graph=True)
    assert len(Dot(viz.graph(y).source).ops()) == 2
    y.backward()
    with pytest.raises(ValueError, match="freed by backward"):
        viz.graph(y)
    h = x.exp()
    h.sum().backward()  # frees h's entry; a later computation still reads h
    d = Dot(viz.graph((h * 2).sum()).source)
    exp = next(n for n in d.ops() if d.title(n) == "Exp")
    assert d.label(exp) == ["Exp", "(freed by backward)"] and "dashed" in d.nodes[exp]["style"]
    assert not d.leaves()


def test_anomaly_mode_puts_the_user_line_in_a_tooltip():
    x = wl.randn(3, requires_grad=True)
    with wl.autograd.detect_anomaly():
        y = x.exp().sum()
    d = Dot(viz.graph(y).source)
    assert all("test_graph.py:" in d.nodes[n]["tooltip"] for n in d.ops())


def test_custom_rules_appear_under_their_names():
    @wl.func.custom_vjp
    def square(x):
        return x * x

    square.defvjp(lambda x: (x * x, x), lambda x, g: (2 * x * g,))  # bwd(residual x, g)
    x = wl.randn(3, requires_grad=True)
    d = Dot(viz.graph(square(x).sum()).source)
    assert sorted(d.title(n) for n in d.ops()) == ["Sum", "custom_vjp(square)"]
