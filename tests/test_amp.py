"""wl.amp: autocast and GradScaler against PyTorch's (CPU build): the scaler's steps, skips,
backoff, growth and state; autocast's arguments, warnings and dtypes."""
import warnings

import numpy as np
import pytest
import torch

import wonderland as wl


def _pair(seed=0):
    rng = np.random.default_rng(seed)
    w, b = rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal(2).astype(np.float32)
    ours, theirs = wl.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(w))
        theirs.bias.copy_(torch.from_numpy(b))
    ours.load_state_dict({"weight": wl.tensor(w), "bias": wl.tensor(b)})
    return ours, theirs


def _train(lib, model, scaler, x, poison_steps):
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    scales, results = [], []
    for step in range(6):
        opt.zero_grad()
        out = model(lib.tensor(x))
        if step in poison_steps:
            out = out * float("inf")
        scaler.scale(out.square().mean()).backward()
        results.append(scaler.step(opt))
        scaler.update()
        scales.append(scaler.get_scale())
    return scales, model.weight.detach().numpy().copy(), results


def test_gradscaler_on_the_cpu_steps_skips_backs_off_and_grows_as_pytorchs():
    x = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    ours, theirs = _pair()
    kwargs = dict(init_scale=1024.0, growth_interval=2)
    with np.errstate(invalid="ignore"):  # NumPy warns at the poisoned step's inf - inf
        got = _train(wl, ours, wl.amp.GradScaler("cpu", **kwargs), x, poison_steps={2})
    want = _train(torch, theirs, torch.amp.GradScaler("cpu", **kwargs), x, poison_steps={2})
    assert got[0] == want[0]  # [1024, 2048, 1024, 1024, 2048, 2048]
    np.testing.assert_allclose(got[1], want[1], rtol=1e-6)
    assert got[2] == want[2]  # SGD.step returns None, a skipped step too


def test_gradscaler_unscale_then_step():
    x = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
    weights = []
    for lib, model in ((wl, _pair()[0]), (torch, _pair()[1])):
        scaler = lib.amp.GradScaler("cpu", init_scale=256.0)
        opt = lib.optim.SGD(model.parameters(), lr=0.1)
        scaler.scale(model(lib.tensor(x)).square().sum()).backward()
        scaler.unscale_(opt)
        grads = [p.grad.numpy().copy() for p in model.parameters()]
        with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
            scaler.unscale_(opt)
        scaler.step(opt)
        scaler.update()
        weights.append((grads, model.weight.detach().numpy().copy(), scaler.state_dict()))
    for g, h in zip(weights[0][0], weights[1][0]):
        np.testing.assert_allclose(g, h, rtol=1e-6)
    np.testing.assert_allclose(weights[0][1], weights[1][1], rtol=1e-6)
    assert weights[0][2] == weights[1][2]


def test_a_disabled_gradscaler_passes_through_as_pytorchs():
    loss = wl.tensor(2.0)
    ours = wl.amp.GradScaler("cpu", enabled=False)
    theirs = torch.amp.GradScaler("cpu", enabled=False)
    assert ours.scale(loss) is loss and not ours.is_enabled()
    assert ours.get_scale() == theirs.get_scale() == 1.0
    assert ours.state_dict() == theirs.state_dict() == {}
    assert ours.update() is None and ours.unscale_(None) is None
    model = wl.nn.Linear(2, 1)
    opt = wl.optim.SGD(model.parameters(), lr=0.5)
    model(wl.ones(1, 2)).sum().backward()
    before = model.bias.detach().numpy().copy()
    ours.step(opt)
    np.testing.assert_allclose(model.bias.detach().numpy(), before - 0.5)


def test_gradscaler_state_dict_round_trips_with_pytorchs_keys():
    theirs = torch.amp.GradScaler("cpu", init_scale=8.0, growth_interval=7)
    ours = wl.amp.GradScaler("cpu", init_scale=8.0, growth_interval=7)
    assert ours.state_dict() == theirs.state_dict()
    other = wl.amp.GradScaler("cpu")
    other.load_state_dict(theirs.state_dict())
    assert other.get_scale() == 8.0 and other.get_growth_interval() == 7
    with pytest.raises(RuntimeError, match="state dict is empty"):
        other.load_state_dict({})
    with pytest.raises(RuntimeError, match="No inf checks"):
        other.update()


def test_scale_of_several_outputs():
    scaler = wl.amp.GradScaler("cpu", init_scale=4.0)
    a, b = scaler.scale([wl.tensor(1.0), wl.tensor(2.0)])
    assert (a.item(), b.item()) == (4.0, 8.0)


def test_cuda_scalers_and_autocasts_disable_with_pytorchs_warnings_without_gpu():
    with pytest.warns(UserWarning, match="not available"):
        assert not wl.amp.GradScaler().is_enabled()  # device 'cuda' by default, as in PyTorch
    with pytest.warns(FutureWarning, match="torch.amp.GradScaler\\('cuda'"), \
            pytest.warns(UserWarning, match="Disabling"):
        assert not wl.cuda.amp.GradScaler().is_enabled()
    with pytest.warns(UserWarning, match="Disabling autocast"):
        with wl.autocast("cuda"):
            assert not wl.amp.is_autocast_enabled("cuda")
    with pytest.warns(FutureWarning, match="torch.amp.autocast\\('cuda'"), \
            pytest.warns(UserWarning, match="Disabling autocast"):
        with wl.cuda.amp.autocast():
            pass
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a disabled one asks nothing and warns nothing
        assert not wl.amp.GradScaler(enabled=False).is_enabled()
        with wl.autocast("cuda", enabled=False):
            pass


def test_autocast_state_follows_pytorchs():
    assert wl.amp.autocast is wl.autocast
    assert not wl.amp.is_autocast_enabled("cpu")
    assert wl.amp.get_autocast_dtype("cpu") is wl.bfloat16
    with wl.autocast("cpu"):
        assert wl.amp.is_autocast_enabled("cpu") and not wl.amp.is_autocast_enabled()
        with wl.autocast("cpu", enabled=False):
            assert not wl.amp.is_autocast_enabled("cpu")
        assert wl.amp.is_autocast_enabled("cpu")
    with wl.autocast("cpu", dtype=wl.float16):
        assert wl.amp.get_autocast_dtype("cpu") is wl.float16
    assert not wl.amp.is_autocast_enabled("cpu")
    with pytest.warns(UserWarning, match="not supported. Disabling autocast"):
        with wl.autocast("cpu", dtype=wl.float64):
            assert not wl.amp.is_autocast_enabled("cpu")
    with pytest.raises(RuntimeError, match="device type 'foo'"):
        wl.autocast("foo")


def test_autocast_as_a_decorator():
    @wl.autocast("cpu")
    def inside():
        return wl.amp.is_autocast_enabled("cpu")

    assert inside() and not wl.amp.is_autocast_enabled("cpu")


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_cpu_autocast_casts_as_pytorchs(dtype):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 5, 4)), rng.standard_normal((4, 3))
    target = np.array([0, 2, 1, 1, 0])
    results = {}
    for lib in (wl, torch):
        x, w = lib.tensor(a, dtype=lib.float32), lib.tensor(b, dtype=lib.float32)
        with lib.autocast("cpu", dtype=getattr(lib, dtype)):
            y = x @ w
            out = {"matmul": y, "bmm": lib.bmm(x, w.expand(2, 4, 3)),
                   "einsum": lib.einsum("bij,jk->bik", x, w), "dot": lib.dot(w[0], w[1]),
                   "float64": x.double() @ w.double(), "add": y + x[..., :3],
                   "relu": y.relu(), "softmax": lib.softmax(y, -1),
                   "cross_entropy": lib.nn.functional.cross_entropy(y[0], lib.tensor(target)),
                   "mse_loss": lib.nn.functional.mse_loss(y, y.detach().float() + 1),
                   "addmm": lib.addmm(x[0, :, :3], x[0], w),
                   "baddbmm": lib.baddbmm(x[..., :3], x, w.expand(2, 4, 3)),
                   "bilinear": lib.nn.functional.bilinear(x[0], x[0], x[:, :4, :4])}
        results[lib.__name__] = {k: (v.dtype, v.detach().double().numpy()) for k, v in out.items()}
    for name, (our_dtype, got) in results["wonderland"].items():
        their_dtype, want = results["torch"][name]
        assert our_dtype.name == str(their_dtype).split(".")[1], name
        np.testing.assert_allclose(got, want, rtol=2 ** -6, atol=2 ** -6, err_msg=name)


def test_autocast_gradients_reach_float32_parameters_as_pytorchs():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 2, 8)).astype(np.float32)
    arrays = [rng.standard_normal((4, 2, 3)).astype(np.float32),
              rng.standard_normal((3, 4 * 6)).astype(np.float32)]
    grads = []
    for lib in (wl, torch):
        conv_w, lin_w = [lib.tensor(a, requires_grad=True) for a in arrays]
        with lib.autocast("cpu"):
            h = lib.nn.functional.conv1d(lib.tensor(x), conv_w).relu()
            y = lib.nn.functional.linear(h.flatten(1), lin_w)
            loss = lib.nn.functional.mse_loss(y, lib.zeros(5, 3))
        assert (h.dtype, y.dtype, loss.dtype) == (lib.bfloat16, lib.bfloat16, lib.float32)
        loss.backward()
        assert conv_w.grad.dtype is lin_w.grad.dtype is lib.float32
        grads.append([conv_w.grad.numpy(), lin_w.grad.numpy(), loss.item()])
    for got, want in zip(*grads):
        np.testing.assert_allclose(got, want, rtol=2 ** -5, atol=2 ** -5 * np.abs(want).max())


def test_autocast_trains_a_float32_model():
    model = wl.nn.Sequential(wl.nn.Linear(4, 16), wl.nn.ReLU(), wl.nn.Linear(16, 1))
    opt = wl.optim.Adam(model.parameters(), lr=0.02)
    x = wl.randn(64, 4)
    y = x.sum(1, keepdim=True)
    losses = []
    for _ in range(40):
        opt.zero_grad()
        with wl.autocast("cpu"):
            out = model(x)
            loss = wl.nn.functional.mse_loss(out, y)
        assert out.dtype is wl.bfloat16 and loss.dtype is wl.float32
        loss.backward()
        assert model[0].weight.grad.dtype is wl.float32
        opt.step()
        losses.append(loss.item())
    assert model[0].weight.dtype is wl.float32 and losses[-1] < 0.1 * losses[0]
    with wl.autocast("cpu", enabled=False):
        assert model(x).dtype is wl.float32
