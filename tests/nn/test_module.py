"""The Module system: registration by attribute, walking, state dicts, modes, moves, repr,
containers, and saving to safetensors atomically."""
import math
import os
import re

import numpy as np
import pytest
import torch

import wonderland as wl
from wonderland import nn
from wonderland.serialization import UnsafeFileError


class Affine(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(wl.randn(n_out, n_in))
        self.bias = nn.Parameter(wl.zeros(n_out))
        self.register_buffer("calls", wl.zeros(1))
        self.register_buffer("scratch", wl.zeros(2), persistent=False)

    def forward(self, x):
        return x @ self.weight.T + self.bias


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = Affine(3, 4)
        self.blocks = nn.ModuleList([Affine(4, 4), Affine(4, 4)])
        self.head = nn.Sequential(Affine(4, 2))
        self.tied = self.blocks[0]  # the same module twice: listed once
        self.note = "not a tensor"

    def forward(self, x):
        x = self.first(x).tanh()
        for b in self.blocks:
            x = b(x).tanh()
        return self.head(x)


def test_parameters_buffers_and_children_are_found_by_attribute():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["first.weight", "first.bias", "blocks.0.weight", "blocks.0.bias",
                     "blocks.1.weight", "blocks.1.bias", "head.0.weight", "head.0.bias"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert [n for n, _ in net.named_buffers()][:2] == ["first.calls", "first.scratch"]
    assert [n for n, _ in net.named_children()] == ["first", "blocks", "head", "tied"]
    assert net.num_parameters() == 16 + 20 + 20 + 10
    assert net.note == "not a tensor"
    assert len(list(net.modules())) == 7  # Net, first, blocks, 2 blocks, head, head.0


def test_reassigning_an_attribute_moves_it_between_tables():
    m = Affine(2, 2)
    m.bias = None
    assert m.bias is None and "bias" not in dict(m.named_parameters())
    m.extra = nn.Parameter(wl.ones(1))
    assert "extra" in dict(m.named_parameters())
    del m.extra
    m.extra = 3
    assert m.extra == 3 and "extra" not in dict(m.named_parameters())
    del m.weight
    with pytest.raises(AttributeError, match="no attribute 'weight'"):
        _ = m.weight


def _pair(lib):
    """The same module in wonderland and in torch: children, parameters and buffers
    interleaved, so that a reassignment moved to the end would show."""
    class Pair(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = lib.nn.Linear(1, 1)
            self.w = lib.nn.Parameter(lib.zeros(1))
            self.register_buffer("b", lib.zeros(1))
            self.c = lib.nn.Linear(1, 1)
            self.v = lib.nn.Parameter(lib.ones(1))
            self.register_buffer("d", lib.zeros(1), persistent=False)
            self.e = lib.nn.Linear(1, 1)
    return Pair()


def _order(m):
    return ([n for n, _ in m.named_children()], [n for n, _ in m.named_parameters()],
            [n for n, _ in m.named_buffers()], list(m.state_dict()))


ASSIGNMENTS = [  # (name, value maker), each applied to a fresh pair
    ("a", lambda lib: lib.nn.Linear(1, 1)), ("w", lambda lib: lib.nn.Parameter(lib.ones(1))),
    ("b", lambda lib: lib.ones(1)), ("d", lambda lib: lib.ones(1)), ("a", lambda lib: None),
    ("w", lambda lib: None), ("b", lambda lib: None),
    ("c", lambda lib: lib.nn.Parameter(lib.ones(1))), ("b", lambda lib: lib.nn.Linear(1, 1)),
    ("d", lambda lib: lib.nn.Parameter(lib.ones(1))), ("d", lambda lib: lib.nn.Linear(1, 1)),
]


@pytest.mark.parametrize("name, make", ASSIGNMENTS)
def test_reassignment_keeps_or_moves_places_as_in_torch(name, make):
    ours, theirs = _pair(wl), _pair(torch)
    setattr(ours, name, make(wl))
    setattr(theirs, name, make(torch))
    assert _order(ours) == _order(theirs)


WRONG_KINDS = [  # (name, value maker, our message)
    ("a", lambda lib: 3, "cannot assign 'int' as child module 'a' (Module or None expected)"),
    ("a", lambda lib: lib.zeros(1), "cannot assign 'Tensor' as child module 'a'"),
    ("w", lambda lib: lib.zeros(1),
     "cannot assign 'Tensor' as parameter 'w' (Parameter or None expected)"),
    ("w", lambda lib: 3, "cannot assign 'int' as parameter 'w'"),
    ("v", lambda lib: lib.nn.Linear(1, 1), "cannot assign 'Linear' as parameter 'v'"),
    ("b", lambda lib: 3, "cannot assign 'int' as buffer 'b' (Tensor or None expected)"),
]


@pytest.mark.parametrize("name, make, message", WRONG_KINDS)
def test_wrong_kinds_over_registered_names_raise_type_error_as_in_torch(name, make, message):
    with pytest.raises(TypeError):
        setattr(_pair(torch), name, make(torch))
    m = _pair(wl)
    before = _order(m)
    with pytest.raises(TypeError, match=re.escape(f"Pair: {message}")):
        setattr(m, name, make(wl))
    assert _order(m) == before  # nothing changed


@pytest.mark.parametrize("call, error", [
    (lambda m, lib: m.register_buffer("v", lib.zeros(1)), KeyError),
    (lambda m, lib: m.register_parameter("d", None), KeyError),
    (lambda m, lib: m.add_module("w", lib.nn.Linear(1, 1)), KeyError),
    (lambda m, lib: m.register_parameter("a.b", None), KeyError),
    (lambda m, lib: m.add_module("", lib.nn.Linear(1, 1)), KeyError),
    (lambda m, lib: m.register_buffer("training", None), KeyError),
    (lambda m, lib: m.register_parameter(1, None), TypeError),
])
def test_registering_a_taken_or_malformed_name_fails_as_in_torch(call, error):
    for lib in (wl, torch):
        m = _pair(lib)
        before = _order(m)
        with pytest.raises(error):
            call(m, lib)
        assert _order(m) == before


def test_re_registering_keeps_the_place():
    ours, theirs = _pair(wl), _pair(torch)
    for m, lib in ((ours, wl), (theirs, torch)):
        m.register_parameter("w", lib.nn.Parameter(lib.ones(2)))
        m.register_buffer("b", lib.ones(2))
        m.add_module("a", lib.nn.Linear(2, 2))
    assert _order(ours) == _order(theirs)
    assert ours.w.shape == (2,) and ours.a.weight.shape == (2, 2)


def test_state_dict_has_parameters_and_persistent_buffers():
    net = Net()
    keys = list(net.state_dict())
    assert "first.calls" in keys and "first.scratch" not in keys
    assert all(not t.requires_grad for t in net.state_dict().values())


def test_load_state_dict_copies_in_place_and_checks_keys_and_shapes():
    a, b = Net(), Net()
    weight = b.first.weight  # an optimizer would hold this object
    b.load_state_dict(a.state_dict())
    assert b.first.weight is weight
    np.testing.assert_array_equal(weight.detach().numpy(), a.first.weight.detach().numpy())
    state = a.state_dict()
    state.pop("first.bias")
    state["stray"] = wl.zeros(1)
    with pytest.raises(RuntimeError, match=r"missing keys: \['first.bias'\].*unexpected keys: "
                                           r"\['stray'\]"):
        b.load_state_dict(state)
    result = b.load_state_dict(state, strict=False)
    assert result.missing_keys == ["first.bias"] and result.unexpected_keys == ["stray"]
    bad = a.state_dict()
    bad["first.weight"] = wl.zeros(5, 5)
    with pytest.raises(RuntimeError, match=r"'first.weight': the checkpoint has shape \(5, 5\), "
                                           r"the model \(4, 3\)"):
        b.load_state_dict(bad)


def test_train_eval_zero_grad_apply_and_requires_grad():
    net = Net()
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net(wl.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Affine"
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_to_casts_floating_state_in_place():
    net = Net()
    weight = net.first.weight
    net.double()
    assert weight.dtype is wl.float64 and net.first.calls.dtype is wl.float64
    assert net(wl.randn(2, 3, dtype=wl.float64)).dtype is wl.float64


def test_repr_shows_structure_and_parameter_counts():
    text = repr(Net())
    assert text.startswith("Net(  # 66 parameters")
    assert "(blocks): ModuleList(  # 40 parameters" in text and "(0): Affine()" in text


def test_containers_index_iterate_and_slice():
    seq = nn.Sequential(Affine(3, 4), Affine(4, 2))
    assert len(seq) == 2 and isinstance(seq[1], Affine) and len(seq[:1]) == 1
    assert seq(wl.randn(5, 3)).shape == (5, 2)
    seq.append(Affine(2, 1))
    assert seq(wl.randn(5, 3)).shape == (5, 1)
    md = nn.ModuleDict({"a": Affine(1, 1)})
    md["b"] = Affine(1, 2)
    assert list(md) == ["a", "b"] and "b" in md and len(list(md.parameters())) == 4


def test_functional_call_and_grad_over_module_parameters():
    net = Net()
    params = {k: v.detach() for k, v in net.named_parameters()}
    x = wl.randn(4, 3)

    def loss(p):
        return wl.func.functional_call(net, p, x).sum()

    grads = wl.func.grad(loss)(params)
    net(x).sum().backward()
    for name, p in net.named_parameters():
        np.testing.assert_allclose(grads[name].numpy(), p.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert isinstance(net.first.weight, nn.Parameter)  # restored after the call


def test_save_and_load_round_trip(tmp_path):
    net = Net()
    path = tmp_path / "deep" / "model.safetensors"
    wl.save(net.state_dict(), path)
    assert os.listdir(path.parent) == ["model.safetensors"]  # no temporary file left behind
    other = Net()
    other.load_state_dict(wl.load(path))
    for (k, a), b in zip(net.state_dict().items(), other.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    with open(path, "rb") as f:
        assert b"pickle" not in f.read() and path.read_bytes()[8:9] == b"{"  # a JSON header


def test_a_failed_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    wl.save({"w": wl.ones(3)}, path)
    before = path.read_bytes()
    import safetensors.numpy

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.numpy, "save", broken)
    with pytest.raises(OSError, match="disk full"):
        wl.save({"w": wl.zeros(3)}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.safetensors"]


def test_a_saved_module_loads_only_where_its_classes_are_allowed(tmp_path):
    wl.save({"model": Net(), "step": 3}, tmp_path / "x.safetensors")
    with pytest.raises(UnsafeFileError, match=r"test_module\.Net.*state_dict\(\)"):
        wl.load(tmp_path / "x.safetensors")
    allowed = [Net, *{type(m) for m in Net().modules()}]
    with wl.serialization.safe_globals(allowed):
        back = wl.load(tmp_path / "x.safetensors")
    assert type(back["model"]) is Net and back["step"] == 3


def test_init_functions_follow_their_formulas():
    g = wl.Generator(0)
    w = nn.Parameter(wl.empty(400, 300))
    nn.init.xavier_uniform_(w, generator=g)
    bound = math.sqrt(6 / 700)
    assert abs(float(w.abs().max()) - bound) < 0.01 * bound
    nn.init.kaiming_normal_(w, nonlinearity="relu", generator=g)
    assert abs(float(w.std()) - math.sqrt(2 / 300)) < 0.02 * math.sqrt(2 / 300)
    q = nn.Parameter(wl.empty(6, 4))
    nn.init.orthogonal_(q, generator=g)
    np.testing.assert_allclose((q.T @ q).detach().numpy(), np.eye(4), atol=1e-5)
    a, b = nn.Parameter(wl.empty(3)), nn.Parameter(wl.empty(3))
    nn.init.normal_(a, generator=wl.Generator(7))
    nn.init.normal_(b, generator=wl.Generator(7))
    assert wl.equal(a.detach(), b.detach())
    nn.init.zeros_(a)
    assert float(a.abs().sum()) == 0.0
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        nn.init.xavier_uniform_(nn.Parameter(wl.empty(3)))


def test_save_keeps_0d_tensors_0d(tmp_path):
    wl.save({"step": wl.tensor(3), "w": wl.ones(2, 2)[:, 0]}, tmp_path / "s.safetensors")
    back = wl.load(tmp_path / "s.safetensors")
    assert back["step"].shape == () and back["step"].item() == 3 and back["w"].shape == (2,)


def test_sequential_item_assignment_keeps_the_place_as_in_pytorch():
    ours = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    ours[0] = nn.Linear(2, 3)
    ours[-1] = nn.Linear(3, 2)
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    theirs[0] = torch.nn.Linear(2, 3)
    theirs[-1] = torch.nn.Linear(3, 2)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours[2].out_features == 2 and ours(wl.ones(4, 2)).shape == (4, 2)
    with pytest.raises(IndexError, match="index 3 is out of range for 3 modules"):
        ours[3] = nn.ReLU()
