"""Repeated structure is drawn once, in a box marked ×N: a recurrent loop's step (with its state
drawn as a dashed edge back into the box), a GRU's 40 steps, a cell module called per step; and
what must not fold does not (different weights, two copies, chunks going different ways)."""
import wonderland as wl
from wonderland import nn, viz
from wonderland.models import GRUClassifier
from wonderland.viz.repeats import Region, find_repeats

from .dot import Dot


def box(n: int) -> str:
    return f"×{n} (the first of {n} repetitions drawn)"


def carried(d: Dot) -> list[tuple[str, str]]:
    """The edges that hand a repetition's result to the next, as (tail title, head title)."""
    return sorted((d.title(t), d.title(h)) for t, h, a in d.edges
                  if a.get("label", "").endswith("to the next repetition"))


def test_a_handwritten_recurrence_is_one_step_in_a_box():
    w = nn.Parameter(wl.randn(4, 4))
    h, xs = wl.zeros(2, 4), wl.randn(5, 2, 4)
    outs = []
    for t in range(5):
        h = (xs[t] @ w + h).tanh()
        outs.append(h)
    d = Dot(viz.graph(wl.stack(outs).sum(), dict(w=w), inputs=dict(xs=xs)).source)
    assert d.clusters == [box(5)]
    step = {n: d.title(n) for n in d.ops() if d.parent[n] == box(5)}
    assert sorted(step.values()) == ["Add", "MatMul", "Reshape", "Tanh"]
    assert sorted(d.title(n) for n in d.ops() if d.parent[n] is None) == ["Cat", "Sum"]
    assert sorted(d.title(n) for n in d.leaves()) == ["constant", "w", "xs (view)"]  # once each
    assert carried(d) == [("Tanh", "Add")]  # h of step t is read by step t + 1
    into_cat = [a["label"] for t, h, a in d.edges if d.title(h) == "Cat"]
    assert into_cat == ["1×2×4 f32, 5 of them"]  # one edge for the stack of all 5 steps
    unfolded = Dot(viz.graph(wl.stack(outs).sum(), collapse=False).source)
    assert len(unfolded.ops()) == 4 * 5 + 2 and unfolded.clusters == []


def test_the_gru_recipe_model_is_drawn_one_step_per_direction():
    model = GRUClassifier(40, 6, 10, bidirectional=True)
    x = wl.randn(2, 40)
    d = Dot(viz.model_graph(model, x).source)
    # per direction: the input projections, the steps, and the Reshapes of the output's stack
    assert d.clusters.count(box(40)) == 6
    assert set(d.clusters) == {"gru: GRU", "linear: Linear", box(40)}
    assert all(d.outer[c] == "gru: GRU" for c in d.clusters if c == box(40))
    assert len(d.ops()) < 50
    # h' of the fused cell is read by the next step's hidden projection and cell
    assert carried(d) == [("GruCell", "Affine"), ("GruCell", "Affine"), ("GruCell", "GruCell"),
                          ("GruCell", "GruCell")]
    stacks = [a["label"] for t, h, a in d.edges if d.title(h) == "Cat" and "of them" in
              a.get("label", "")]
    assert stacks == ["1×2×6 f32, 40 of them"] * 2
    assert len(Dot(viz.model_graph(model, x, collapse=False, max_nodes=None).source).ops()) \
        > 300  # 80 steps of 4 ops (a fused cell each) unfolded


def test_a_cell_module_called_per_step_is_boxed_inside_the_repeat():
    class Loop(nn.Module):
        def __init__(self):
            super().__init__()
            self.cell, self.head = nn.GRUCell(3, 4), nn.Linear(4, 2)

        def forward(self, x):
            h = None
            for t in range(x.shape[1]):
                h = self.cell(x[:, t], h)
            return self.head(h)

    d = Dot(viz.model_graph(Loop(), wl.randn(2, 7, 3)).source)
    assert sorted(d.clusters) == sorted([box(7), "cell: GRUCell (call 1 of 7)", "head: Linear"])
    assert d.outer["cell: GRUCell (call 1 of 7)"] == box(7)
    assert d.outer[box(7)] is None and d.outer["head: Linear"] is None
    assert all(d.parent[n] == "cell: GRUCell (call 1 of 7)" for n in d.ops()
               if d.title(n) != "Affine" or d.parent[n] != "head: Linear")
    assert ("GruCell", "Affine") in carried(d)


def test_what_does_not_repeat_is_not_folded():
    x = wl.randn(2, 8)
    layers = nn.Sequential(*[nn.Sequential(nn.Linear(8, 8), nn.Tanh()) for _ in range(4)])
    d = Dot(viz.model_graph(layers, x).source)  # same shapes, but weights of their own
    assert len(d.clusters) == 12 and not any(c.startswith("×") for c in d.clusters)

    lin = nn.Linear(8, 8)
    twice = Dot(viz.graph(lin(lin(x).tanh()).tanh().sum(), dict(lin=lin.weight)).source)
    assert twice.clusters == []  # two copies side by side read fine
    h = x
    for _ in range(4):
        h = lin(h).tanh()
    four = Dot(viz.graph(h.sum()).source)
    assert four.clusters == [box(4)]

    v = wl.randn(8, requires_grad=True)
    a, b, c = v.chunk(3)  # alike, but going three different ways: each keeps its node
    d = Dot(viz.graph(a.exp().sum() + b.sin().sum() * c.cos().sum()).source)
    assert d.clusters == [] and sum(d.title(n) == "Getitem" for n in d.ops()) == 3


def test_a_leaf_read_in_several_places_is_drawn_at_each():
    x = wl.randn(3, requires_grad=True)
    d = Dot(viz.graph((x.exp() * x.sin()).sum(), dict(x=x)).source)
    assert sorted((d.title(t), d.title(h)) for t, h, _ in d.edges if t in d.leaves()) == [
        ("x", "Exp"), ("x", "Sin")]
    assert len(d.leaves()) == 2


def readers(sources: list[tuple]) -> list[list[int]]:
    out = [[] for _ in sources]
    for i, row in enumerate(sources):
        for j in row:
            if isinstance(j, int):
                out[j].append(i)
    return out


def test_find_repeats_on_positions():
    chain = ["step"] * 6  # each reads the one before; the first an initial state
    sources = [("h0",)] + [(i,) for i in range(5)]
    assert find_repeats(chain, sources, readers(sources)) == [Region(0, 1, 6)]
    assert find_repeats(chain[:2], sources[:2], readers(sources[:2])) == []  # fewer than three
    # blocks (load, use): each load reads an earlier tensor at a fixed stride, each use its load
    sigs = ["a", "b", "c", "d"] + ["load", "use"] * 4
    sources = [()] * 4 + [s for k in range(4) for s in ((k,), (4 + 2 * k,))]
    assert find_repeats(sigs, sources, readers(sources)) == [Region(4, 2, 4)]
    sources[8] = (0,)  # the third load breaks the stride: no three blocks alike in a row
    assert find_repeats(sigs, sources, readers(sources)) == []
    sources[8] = (2,)
    sources[7] = (5,)  # the second use reads the first load, not its own
    assert find_repeats(sigs, sources, readers(sources)) == []


def test_show_saved_counts_every_repetition():
    x = wl.randn(4, requires_grad=True, dtype=wl.float64)
    y = x
    for _ in range(5):
        y = y.sin()
    total = 'label="the tape keeps 5 intermediate tensors alive: 160 B"'
    assert total in viz.graph(y.sum(), show_saved=True).source
    assert total in viz.graph(y.sum(), show_saved=True, collapse=False).source
