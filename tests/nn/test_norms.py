"""Normalisation layers and functions against torch 2.13 (float64, identical weights and inputs):
outputs, input and parameter gradients, running statistics and state_dict after each step in
train and eval mode; gradcheck, forward mode, vmap, and errors that name layer and shapes."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import wonderland as wl
import wonderland.nn.functional as F
from wonderland import nn

RNG = np.random.default_rng(0)


def close(got, want, rtol=1e-9, atol=1e-11):
    got = np.asarray(got.detach()) if isinstance(got, wl.Tensor) else got
    want = want.detach().numpy() if isinstance(want, torch.Tensor) else want
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def twin(name, *args, **kwargs):
    """The same layer in wonderland and torch, float64, torch's random weights and running
    statistics copied into wonderland through load_state_dict."""
    tm = getattr(torch.nn, name)(*args, **kwargs).double()
    wm = getattr(nn, name)(*args, **kwargs).double()
    with torch.no_grad():
        for p in tm.parameters():
            p.copy_(torch.randn_like(p))
        for key, b in tm.named_buffers():
            if key.endswith("running_mean"):
                b.copy_(torch.randn_like(b))
            elif key.endswith("running_var"):
                b.copy_(torch.rand_like(b) + 0.5)
    wm.load_state_dict({k: wl.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    return wm, tm


def check_state(wm, tm):
    ws, ts = wm.state_dict(), tm.state_dict()
    assert list(ws) == list(ts)
    for key in ts:
        assert ws[key].dtype.name == str(ts[key].dtype).removeprefix("torch."), key
        close(ws[key], ts[key])


def check_steps(wm, tm, shape, steps=3, training=True):
    """Forward, backward and state after each of `steps` calls on fresh random inputs."""
    wm.train(training)
    tm.train(training)
    tparams = dict(tm.named_parameters())
    for _ in range(steps):
        x, g = RNG.standard_normal(shape) * 2 + 0.5, RNG.standard_normal(shape)
        xw, xt = wl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yw, yt = wm(xw), tm(xt)
        close(yw, yt)
        (yw * wl.tensor(g)).sum().backward()
        (yt * torch.tensor(g)).sum().backward()
        close(xw.grad, xt.grad)
        assert [n for n, _ in wm.named_parameters()] == list(tparams)
        for name, p in wm.named_parameters():
            close(p.grad, tparams[name].grad)
        wm.zero_grad()
        tm.zero_grad()
        check_state(wm, tm)


BATCH_NORMS = [
    ("BatchNorm1d", (3,), {}, (8, 3)),
    ("BatchNorm1d", (4,), {}, (6, 4, 5)),
    ("BatchNorm1d", (4,), {"momentum": None}, (6, 4, 5)),
    ("BatchNorm1d", (2,), {"affine": False, "track_running_stats": False}, (5, 2)),
    ("BatchNorm2d", (3,), {}, (4, 3, 5, 6)),
    ("BatchNorm2d", (3,), {"momentum": None}, (4, 3, 5, 6)),
    ("BatchNorm2d", (3,), {"affine": False}, (4, 3, 5, 6)),
    ("BatchNorm2d", (3,), {"track_running_stats": False}, (2, 3, 4, 4)),
    ("BatchNorm2d", (2,), {"momentum": 0.3, "eps": 1e-3}, (2, 2, 3, 3)),
]
OTHERS = [
    ("LayerNorm", (5,), {}, (3, 5)),
    ("LayerNorm", ((4, 5),), {}, (2, 3, 4, 5)),
    ("LayerNorm", (6,), {"elementwise_affine": False}, (2, 6)),
    ("LayerNorm", ((3, 4),), {"bias": False, "eps": 1e-2}, (5, 3, 4)),
    ("GroupNorm", (2, 4), {}, (3, 4, 5)),
    ("GroupNorm", (1, 6), {}, (2, 6, 3, 3)),
    ("GroupNorm", (6, 6), {"eps": 1e-3}, (2, 6, 4)),
    ("GroupNorm", (3, 6), {}, (2, 6)),
    ("GroupNorm", (2, 4), {"affine": False}, (3, 4, 2, 2)),
    ("RMSNorm", (5,), {}, (3, 5)),
    ("RMSNorm", ((2, 3),), {}, (4, 2, 3)),
    ("RMSNorm", (4,), {"eps": 1e-3}, (2, 4)),
    ("RMSNorm", (4,), {"elementwise_affine": False}, (2, 4)),
    ("InstanceNorm2d", (3,), {}, (2, 3, 4, 5)),
    ("InstanceNorm2d", (3,), {"affine": True}, (2, 3, 4, 5)),
    ("InstanceNorm2d", (3,), {"affine": True}, (3, 4, 5)),
    ("InstanceNorm2d", (3,), {"track_running_stats": True}, (2, 3, 4, 5)),
    ("InstanceNorm2d", (3,), {"track_running_stats": True, "momentum": None}, (2, 3, 3, 3)),
    ("InstanceNorm2d", (2,), {"track_running_stats": True, "affine": True}, (2, 4, 4)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", BATCH_NORMS + OTHERS)
def test_layer_matches_torch_in_train_then_eval_mode(name, args, kwargs, shape):
    wm, tm = twin(name, *args, **kwargs)
    check_state(wm, tm)
    check_steps(wm, tm, shape, steps=3, training=True)
    check_steps(wm, tm, shape, steps=2, training=False)
    check_steps(wm, tm, shape, steps=1, training=True)


@pytest.mark.parametrize("name,args,kwargs", [
    ("BatchNorm2d", (3,), {}), ("BatchNorm1d", (3,), {"affine": False}),
    ("InstanceNorm2d", (3,), {}), ("InstanceNorm2d", (3,), {"track_running_stats": True}),
    ("LayerNorm", ((2, 3),), {"bias": False}), ("GroupNorm", (3, 6), {}),
    ("RMSNorm", (4,), {}),
])
def test_defaults_match_torch(name, args, kwargs):
    wm, tm = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    check_state(wm.double(), tm.double())
    assert repr(wm).startswith(name + "(")


def test_torch_trained_state_gives_the_same_outputs():
    tm = torch.nn.BatchNorm2d(3).double()
    for _ in range(4):
        tm(torch.randn(5, 3, 4, 4, dtype=torch.float64) * 3 + 1)
    wm = nn.BatchNorm2d(3).double()
    wm.load_state_dict({k: wl.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    assert int(wm.num_batches_tracked) == 4 and wm.num_batches_tracked.dtype == wl.int64
    x = RNG.standard_normal((2, 3, 4, 4))
    close(wm.eval()(wl.tensor(x)), tm.eval()(torch.tensor(x)))


# --- the functional forms -------------------------------------------------------------------
def both(*shape, positive=False):
    a = RNG.random(shape) + 0.5 if positive else RNG.standard_normal(shape)
    return wl.tensor(a), torch.tensor(a)


@pytest.mark.parametrize("momentum", [0.1, 0.7])
def test_functional_batch_norm_updates_running_stats(momentum):
    (xw, xt), (ww, wt), (bw, bt) = both(4, 3, 5), both(3), both(3)
    (mw, mt), (vw, vt) = both(3), both(3, positive=True)
    for training in (True, True, False):
        yw = F.batch_norm(xw, mw, vw, ww, bw, training, momentum, 1e-4)
        close(yw, TF.batch_norm(xt, mt, vt, wt, bt, training, momentum, 1e-4))
        close(mw, mt)
        close(vw, vt)


def test_functional_batch_norm_cumulative_average_counts_batches():
    count = wl.tensor(0)
    mean, var = wl.zeros(2, dtype=wl.float64), wl.ones(2, dtype=wl.float64)
    xs = [RNG.standard_normal((5, 2)) for _ in range(3)]
    for x in xs:
        F.batch_norm(wl.tensor(x), mean, var, training=True, momentum=None,
                     num_batches_tracked=count)
    assert int(count) == 3
    close(mean, np.mean([x.mean(0) for x in xs], axis=0))
    close(var, np.mean([x.var(0, ddof=1) for x in xs], axis=0))


@pytest.mark.parametrize("use_input_stats", [True, False])
def test_functional_instance_norm(use_input_stats):
    (xw, xt), (ww, wt), (bw, bt) = both(2, 3, 4, 5), both(3), both(3)
    (mw, mt), (vw, vt) = both(3), both(3, positive=True)
    yw = F.instance_norm(xw, mw, vw, ww, bw, use_input_stats, 0.2, 1e-3)
    close(yw, TF.instance_norm(xt, mt, vt, wt, bt, use_input_stats, 0.2, 1e-3))
    close(mw, mt)
    close(vw, vt)
    close(F.instance_norm(xw), TF.instance_norm(xt))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_functional_rms_norm_default_eps_is_the_dtypes(dtype):
    x = (RNG.standard_normal((3, 4)) * 1e-5).astype(dtype)
    x[0] = 0.0
    close(F.rms_norm(wl.tensor(x), [4]), TF.rms_norm(torch.tensor(x), [4]), rtol=1e-5, atol=0)


def test_functional_layer_and_group_norm():
    (xw, xt), (ww, wt), (bw, bt) = both(2, 6, 3), both(6, 3), both(6, 3)
    close(F.layer_norm(xw, (6, 3), ww, bw, 1e-3), TF.layer_norm(xt, (6, 3), wt, bt, 1e-3))
    close(F.layer_norm(xw, 3), TF.layer_norm(xt, (3,)))
    (gw, gt), (cw, ct) = both(6), both(6)
    close(F.group_norm(xw, 3, gw, cw, 1e-3), TF.group_norm(xt, 3, gt, ct, 1e-3))


# --- both modes of differentiation, and vmap ------------------------------------------------
def leaf(*shape, positive=False):
    a = RNG.random(shape) + 0.5 if positive else RNG.standard_normal(shape)
    return wl.tensor(a, requires_grad=True)


@pytest.mark.parametrize("f,inputs", [
    (lambda x, w, b: F.layer_norm(x, (4,), w, b), (leaf(3, 4), leaf(4), leaf(4))),
    (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
     (leaf(4, 2, 3), leaf(2), leaf(2))),
    (lambda x, w, b: F.group_norm(x, 2, w, b), (leaf(2, 4, 3), leaf(4), leaf(4))),
    (lambda x, w: F.rms_norm(x, (2, 3), w), (leaf(2, 2, 3), leaf(2, 3))),
    (lambda x, w, b: F.instance_norm(x, weight=w, bias=b), (leaf(2, 2, 3, 2), leaf(2), leaf(2))),
    (lambda x, m, v: F.batch_norm(x, m, v, training=False),
     (leaf(3, 2), leaf(2), leaf(2, positive=True))),
])
def test_gradcheck_first_and_second_order_both_modes(f, inputs):
    assert wl.autograd.gradcheck(f, inputs)


def test_forward_mode_matches_torch_func_jvp():
    (xw, xt), (tw, tt), (ww, wt) = both(4, 3, 2), both(4, 3, 2), both(3)

    def bn(x):
        return F.batch_norm(x, None, None, ww, None, training=True)

    close(wl.func.jvp(bn, (xw,), (tw,))[1],
          torch.func.jvp(lambda x: TF.batch_norm(x, None, None, wt, None, True), (xt,), (tt,))[1])
    close(wl.func.jvp(lambda x: F.layer_norm(x, (3, 2)), (xw,), (tw,))[1],
          torch.func.jvp(lambda x: TF.layer_norm(x, (3, 2)), (xt,), (tt,))[1])


def test_vmap_layer_norm_per_example():
    layer = nn.LayerNorm(5).double()
    nn.init.normal_(layer.weight)
    x = wl.tensor(RNG.standard_normal((6, 5)))
    close(wl.func.vmap(layer)(x), layer(x))
    close(wl.func.vmap(lambda r: F.rms_norm(r, 5, layer.weight))(x), F.rms_norm(x, 5, layer.weight))

    def loss(r):
        return (F.layer_norm(r, (5,), layer.weight, layer.bias) ** 3).sum()

    per_example = wl.func.vmap(wl.func.grad(loss))(x)
    close(per_example, np.stack([np.asarray(wl.func.grad(loss)(r)) for r in x]))


def test_vmap_batch_norm_in_eval_mode_and_refusal_to_update_running_stats():
    bn = nn.BatchNorm1d(3).double().eval()
    bn.running_mean.data = wl.tensor([0.5, -1.0, 2.0], dtype=wl.float64)
    x = wl.tensor(RNG.standard_normal((4, 3, 2)))
    close(wl.func.vmap(lambda r: bn(r.unsqueeze(0)).squeeze(0))(x), bn(x))
    with pytest.raises(RuntimeError, match="batch_norm: running statistics cannot be updated"):
        wl.func.vmap(bn.train())(x.unsqueeze(0).expand(2, 4, 3, 2))


# --- errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize("layer,shape,match", [
    (nn.BatchNorm1d(4), (2, 3), r"BatchNorm1d: expected input of shape \(N, 4\) or \(N, 4, L\), "
                                r"got shape \(2, 3\)"),
    (nn.BatchNorm1d(4), (2, 4, 3, 3), r"BatchNorm1d: .*got shape \(2, 4, 3, 3\)"),
    (nn.BatchNorm2d(3), (2, 4, 5, 5), r"BatchNorm2d: expected input of shape \(N, 3, H, W\), "
                                      r"got shape \(2, 4, 5, 5\)"),
    (nn.BatchNorm2d(3), (2, 3, 5), r"BatchNorm2d: .*got shape \(2, 3, 5\)"),
    (nn.InstanceNorm2d(3), (2, 4, 5, 5),
     r"InstanceNorm2d: expected input of shape \(N, 3, H, W\) or \(3, H, W\), got shape "
     r"\(2, 4, 5, 5\)"),
    (nn.InstanceNorm2d(3), (3, 5), r"InstanceNorm2d: .*got shape \(3, 5\)"),
    (nn.LayerNorm((4, 5)), (2, 5, 4), r"LayerNorm: expected input of shape \(\*, 4, 5\), "
                                      r"got shape \(2, 5, 4\)"),
    (nn.RMSNorm(5), (2, 4), r"RMSNorm: expected input of shape \(\*, 5\), got shape \(2, 4\)"),
    (nn.GroupNorm(2, 4), (2, 6, 3), r"GroupNorm: expected input of shape \(N, 4, \*\), "
                                    r"got shape \(2, 6, 3\)"),
    (nn.GroupNorm(2, 4), (4,), r"GroupNorm: .*got shape \(4,\)"),
])
def test_bad_input_names_layer_and_shapes(layer, shape, match):
    with pytest.raises(ValueError, match=match):
        layer(wl.zeros(*shape))


def test_bad_arguments_name_function_and_shapes():
    x = wl.zeros(2, 6, 3)
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels=6 must be divisible by "
                                         r"num_groups=4"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match=r"group_norm: the 6 channels of input of shape "
                                         r"\(2, 6, 3\) are not divisible into num_groups=4"):
        F.group_norm(x, 4)
    with pytest.raises(ValueError, match=r"batch_norm: expected more than 1 value per channel "
                                         r"when training, got input of shape \(1, 3\)"):
        nn.BatchNorm1d(3)(wl.zeros(1, 3))
    with pytest.raises(ValueError, match="batch_norm: evaluation mode"):
        F.batch_norm(x, None, None)
    with pytest.raises(ValueError, match=r"batch_norm: weight must have shape \(6,\).*\(5,\)"):
        F.batch_norm(x, None, None, wl.ones(5), training=True)
    with pytest.raises(ValueError, match=r"layer_norm: weight must have shape normalized_shape "
                                         r"\(3,\), got shape \(6, 3\)"):
        F.layer_norm(x, 3, wl.ones(6, 3))
    with pytest.raises(ValueError, match=r"layer_norm: normalized_shape \(6,\) expects input of "
                                         r"shape \(\*, 6\), got shape \(2, 6, 3\)"):
        F.layer_norm(x, 6)
    with pytest.raises(ValueError, match="instance_norm: expected more than 1 spatial element"):
        F.instance_norm(wl.zeros(2, 3, 1))
