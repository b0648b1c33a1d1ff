"""functional_call: a hand-written model (tensors as attributes, sub-objects, a list of layers)
called with swapped tensors, restored afterwards even on error; composed with grad and vmap and
checked against torch.func.functional_call on the same weights."""
import pytest
import torch

import wonderland as wl
from wonderland.autodiff.functional_call import functional_call
from wonderland.autodiff.transforms import grad
from wonderland.autodiff.vmap import vmap

from .helpers import assert_tree_close, both


class Dense:
    def __init__(self, weight, bias):
        self.weight, self.bias = weight, bias

    def __call__(self, x):
        return x @ self.weight.T + self.bias


class Net:
    """Two dense layers in a list and a scale in a dict: dotted paths reach all of them."""

    def __init__(self):
        (w1, self.tw1), (b1, self.tb1) = both(4, 3), both(4)
        (w2, self.tw2), (b2, self.tb2) = both(2, 4), both(2)
        self.layers = [Dense(w1, b1), Dense(w2, b2)]
        self.extra = {"scale": wl.tensor(1.5, dtype=wl.float64)}

    def __call__(self, x):
        return self.layers[1](wl.tanh(self.layers[0](x))) * self.extra["scale"]

    def params(self):
        return {"layers.0.weight": self.layers[0].weight, "layers.0.bias": self.layers[0].bias,
                "layers.1.weight": self.layers[1].weight, "layers.1.bias": self.layers[1].bias}

    def torch_twin(self):
        twin = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
        twin = twin.double()
        with torch.no_grad():
            for layer, w, b in ((twin[0], self.tw1, self.tb1), (twin[2], self.tw2, self.tb2)):
                layer.weight.copy_(w)
                layer.bias.copy_(b)
        return twin


def torch_names(params):
    rename = {"layers.0": "0", "layers.1": "2"}
    return {rename[k.rsplit(".", 1)[0]] + "." + k.rsplit(".", 1)[1]: v for k, v in params.items()}


def test_swaps_and_restores_dotted_attributes():
    net, (x, tx) = Net(), both(5, 3)
    new = {k: v * 2 for k, v in net.params().items()}
    new["extra.scale"] = wl.tensor(1.0, dtype=wl.float64)
    before = dict(net.params())
    got = functional_call(net, new, x)
    twin = net.torch_twin()
    tnew = {k: torch.tensor(v.numpy()) for k, v in new.items() if k != "extra.scale"}
    assert_tree_close(got, torch.func.functional_call(twin, torch_names(tnew), (tx,)))
    assert all(net.params()[k] is v for k, v in before.items())
    assert net.extra["scale"].item() == 1.5


def test_restores_after_an_error_and_names_missing_attributes():
    net, (x, _) = Net(), both(5, 3)
    before = dict(net.params())
    with pytest.raises(ValueError, match="do not align"):  # the call itself fails
        functional_call(net, {"layers.0.weight": wl.zeros(7, 7, dtype=wl.float64)}, x)
    with pytest.raises(AttributeError, match="Net has no attribute 'layers.0.wieght'"):
        functional_call(net, {"layers.0.bias": before["layers.0.bias"] * 0,
                              "layers.0.wieght": before["layers.0.weight"]}, x)
    with pytest.raises(AttributeError, match="nothing at '5'"):
        functional_call(net, {"layers.5.bias": before["layers.0.bias"]}, x)
    assert all(net.params()[k] is v for k, v in before.items())


def test_plain_functions_and_bound_methods():
    (w, _), (x, _) = both(3), both(3)
    assert functional_call(lambda p, a: (p["w"] * a).sum(), {"w": w}, x).item() == \
        pytest.approx((w * x).sum().item())
    layer = Dense(*both(2, 3)[:1], both(2)[0])
    zero = {"weight": wl.zeros(2, 3, dtype=wl.float64)}
    out = functional_call(layer.__call__, zero, x)
    assert_tree_close(out, layer.bias)


def test_grad_and_vmap_reach_the_weights_through_functional_call():
    net, (xs, txs), (ys, tys) = Net(), both(6, 3), both(6, 2)
    params = net.params()
    twin = net.torch_twin()
    tparams = {k: v.detach() for k, v in twin.named_parameters()}

    def loss(p, x, y):
        return ((functional_call(net, p, x) - y) ** 2).sum()

    def tloss(p, x, y):
        return ((torch.func.functional_call(twin, p, (x,)) * 1.5 - y) ** 2).sum()

    g = grad(loss)(params, xs, ys)
    tg = torch.func.grad(tloss)(tparams, txs, tys)
    assert_tree_close(torch_names(g), tg)
    per = vmap(grad(loss), in_axes=(None, 0, 0))(params, xs, ys)
    tper = torch.func.vmap(torch.func.grad(tloss), in_dims=(None, 0, 0))(tparams, txs, tys)
    assert_tree_close(torch_names(per), tper)
    assert per["layers.0.weight"].shape == (6, 4, 3)


def tied_model(lib, w, scale):
    """One weight under two names (tied), a buffer, two positional inputs and a keyword."""
    class Tied(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = lib.nn.Parameter(w)
            self.register_buffer("scale", scale)
            self.w_again = self.w

        def forward(self, x, y, *, shift=0.0):
            return (x @ self.w) * self.scale + y @ self.w_again.T + shift
    return Tied()


def tied_pair():
    (w, tw), (s, ts) = both(3, 3), both(1)
    return tied_model(wl, w, s), tied_model(torch, tw, ts)


@pytest.mark.parametrize("tie_weights", [True, False])
def test_args_tuple_kwargs_dict_pair_and_tied_weights_as_in_torch(tie_weights):
    (ours, theirs), (x, tx), (y, ty), (w, tw), (s, ts) = (tied_pair(), both(2, 3), both(2, 3),
                                                          both(3, 3), both(1))
    order = [n for n, _ in ours.named_parameters(remove_duplicate=False)]
    got = functional_call(ours, ({"w": w}, {"scale": s}), (x, y), {"shift": 2.0},
                          tie_weights=tie_weights)
    want = torch.func.functional_call(theirs, ({"w": tw}, {"scale": ts}), (tx, ty),
                                      {"shift": 2.0}, tie_weights=tie_weights)
    assert_tree_close(got, want)
    assert [n for n, _ in ours.named_parameters(remove_duplicate=False)] == order
    assert ours.w is ours.w_again and isinstance(ours.w, wl.nn.Parameter)  # restored


@pytest.mark.parametrize("call, error, message", [
    (lambda f, m, p: f(m, ({"w": p}, {"w": p}), None), ValueError, "more than one"),
    (lambda f, m, p: f(m, {"w": p, "w_again": p * 2}, None), ValueError, "tied"),
    (lambda f, m, p: f(m, {"w": p}, None, strict=True), RuntimeError, r"missing keys \['scale'"),
    (lambda f, m, p: f(m, [{"w": p}, 3], None), (TypeError, ValueError), "dict"),
])
def test_ambiguous_or_incomplete_dicts_fail_as_in_torch(call, error, message):
    (ours, theirs), (p, tp) = tied_pair(), both(3, 3)
    with pytest.raises(error):
        call(torch.func.functional_call, theirs, tp)
    with pytest.raises(error, match=message):
        call(functional_call, ours, p)
    assert ours.w is ours.w_again and isinstance(ours.w, wl.nn.Parameter)


def test_strict_accepts_every_name_and_refuses_plain_objects():
    (ours, theirs), (x, tx), (w, tw), (s, ts) = tied_pair(), both(2, 3), both(3, 3), both(1)
    got = functional_call(ours, {"w": w, "scale": s}, (x, x), strict=True)
    assert_tree_close(got, torch.func.functional_call(theirs, {"w": tw, "scale": ts}, (tx, tx),
                                                      strict=True))
    with pytest.raises(TypeError, match="strict=True needs a Module, got Net"):
        functional_call(Net(), {}, x, strict=True)


def test_several_positional_arguments_must_come_as_a_tuple():
    (ours, _), (x, _) = tied_pair(), both(2, 3)
    with pytest.raises(TypeError, match=r"kwargs must be a dict, got Tensor .*args=\(x, y\)"):
        functional_call(ours, {}, x, x)
