"""wonderland.viz.model_graph: a model's forward pass drawn with every parameter named and each
submodule call boxed in its own cluster; the model is left exactly as it was."""
import pytest

import wonderland as wl
from wonderland import nn, viz
from wonderland.autograd import Function

from .dot import Dot


def mlp():
    return nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2))


def test_an_mlp_graph_names_all_its_parameters_and_boxes_each_layer():
    model = mlp()
    d = Dot(viz.model_graph(model, wl.randn(5, 3)).source)
    names = dict(model.named_parameters())
    assert sorted(d.title(n) for n in d.leaves()) == sorted(names) + ["input"]
    assert d.clusters == ["0: Linear", "1: ReLU", "2: Linear", "3: Tanh", "4: Linear"]
    for leaf in d.leaves():  # each weight sits in the box of the layer that owns it
        title = d.title(leaf)
        if title != "input":
            assert d.parent[leaf] == f"{title.split('.')[0]}: Linear"
    relu = next(n for n in d.ops() if d.title(n) == "Relu")
    assert d.parent[relu] == "1: ReLU"
    assert sum(d.title(n) == "Affine" for n in d.ops()) == 3  # one fused op per Linear
    assert d.label("out0") == ["output", "5×2 f32"]


def test_clusters_can_be_turned_off():
    d = Dot(viz.model_graph(mlp(), wl.randn(5, 3), cluster=False).source)
    assert d.clusters == [] and len(d.leaves()) == 7


def test_nested_modules_and_a_module_called_twice():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 4)

        def forward(self, x):
            return self.lin(x).tanh()

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.head = nn.Linear(4, 1)

        def forward(self, x):
            return self.head(self.block(self.block(x)))

    d = Dot(viz.model_graph(Net(), wl.randn(2, 4)).source)
    assert d.clusters == ["block: Block (call 1 of 2)", "block.lin: Linear (call 1 of 2)",
                          "block: Block (call 2 of 2)", "block.lin: Linear (call 2 of 2)",
                          "head: Linear"]
    tanhs = [n for n in d.ops() if d.title(n) == "Tanh"]
    assert sorted(d.parent[n] for n in tanhs) == ["block: Block (call 1 of 2)",
                                                  "block: Block (call 2 of 2)"]
    shared = [n for n in d.leaves() if d.title(n).startswith("block.lin.")]
    assert len(shared) == 4 and all(d.parent[n] is None for n in shared)  # used by both calls:
    assert sorted(d.title(n) for n in shared) == ["block.lin.bias"] * 2 + ["block.lin.weight"] * 2
    for n in shared:  # drawn next to each Affine that reads them, one edge each
        assert [d.title(h) for t, h, _ in d.edges if t == n] == ["Affine"]


def test_a_custom_function_returned_by_a_module_is_in_its_box():
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    class Act(nn.Module):
        def forward(self, x):
            return Square.apply(x)

    model = nn.Sequential(nn.Linear(2, 2), Act())
    d = Dot(viz.model_graph(model, wl.randn(3, 2)).source)
    square = next(n for n in d.ops() if d.title(n) == "Square")
    assert d.parent[square] == "1: Act"


def test_dict_outputs_several_inputs_and_grad_mode():
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(2, 1), nn.Linear(3, 1)

        def forward(self, x, y):
            return {"left": self.a(x), "right": self.b(y)}

    with wl.no_grad():  # model_graph records the tape whatever the surrounding mode
        d = Dot(viz.model_graph(TwoHeads(), wl.randn(4, 2), wl.randn(4, 3)).source)
    assert sorted(d.title(n) for n in ("out0", "out1")) == ["left", "right"]
    assert sorted(d.title(n) for n in d.leaves() if d.title(n).startswith("input")) == [
        "input 0", "input 1"]


def test_the_model_is_left_as_it_was_even_when_forward_fails():
    model = mlp()
    special = model[1].forward
    object.__setattr__(model[1], "forward", special)  # an instance attribute of the user's own
    viz.model_graph(model, wl.randn(5, 3))
    assert model[1].__dict__["forward"] is special
    assert all("forward" not in m.__dict__ for i, m in enumerate(model) if i != 1)
    from wonderland.core import primitive

    observers = list(primitive._observers)
    with pytest.raises(ValueError):
        viz.model_graph(model, wl.randn(5, 4))  # wrong width: the first Linear fails
    assert all("forward" not in m.__dict__ for i, m in enumerate(model) if i != 1)
    assert primitive._observers == observers


def test_model_graph_errors():
    with pytest.raises(TypeError, match="Module"):
        viz.model_graph(lambda x: x, wl.randn(2))
    frozen = mlp().requires_grad_(False)
    with pytest.raises(ValueError, match="does not require grad"):
        viz.model_graph(frozen, wl.randn(5, 3))
