"""The in-place fast path of SGD and Adam/AdamW: the same values bit for bit as the out-of-place
update() they mirror, taken only when no one else can see the arrays it writes; either way the
step lands in the parameter's own memory, as PyTorch's does."""
from __future__ import annotations

import numpy as np
import pytest

import wonderland as wl
import wonderland.optim as optim
from wonderland.nn import functional as F
from wonderland.optim.in_place import exclusive_array, exclusive_arrays

CONFIGS = [
    (optim.SGD, {"lr": 0.1}),
    (optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    (optim.SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    (optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "maximize": True}),
    (optim.Adam, {"lr": 0.01}),
    (optim.Adam, {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    (optim.Adam, {"lr": 0.01, "maximize": True, "betas": (0.8, 0.9), "eps": 1e-3}),
    (optim.AdamW, {"lr": 0.01}),
    (optim.AdamW, {"lr": 0.01, "amsgrad": True}),
]


def _model(dtype: str, wide: bool = False):
    """wide: a first weight large enough (256 x 256) for the one-pass numba Adam step to take."""
    wl.manual_seed(0)
    inputs, hidden = (256, 256) if wide else (5, 7)
    model = wl.nn.Sequential(wl.nn.Linear(inputs, hidden), wl.nn.Tanh(), wl.nn.Linear(hidden, 3))
    return model.double() if dtype == "float64" else model


def _train(model, opt, steps: int, hold: bool) -> list:
    """Train on fixed data; with `hold`, keep every parameter's and state's array referenced
    from outside, which forces the out-of-place path. Without, returns for each step whether every
    parameter kept its array (an out-of-place step allocates the new one while the old lives)."""
    rng = np.random.default_rng(3)
    dt = model[0].weight.dtype
    x = wl.tensor(rng.standard_normal((16, model[0].in_features)), dtype=dt)
    y = wl.tensor(rng.standard_normal((16, 3)), dtype=dt)
    held = []
    for _ in range(steps):
        opt.zero_grad()
        F.mse_loss(model(x), y).backward()
        before = [id(p._data) for p in model.parameters()]
        if hold:
            held.append([p.detach() for p in model.parameters()])
            held.append([t.detach() for s in opt.state.values() for t in s.values()
                         if isinstance(t, wl.Tensor)])
        opt.step()
        if not hold:
            held.append(before == [id(p._data) for p in model.parameters()])
    return held


@pytest.mark.parametrize("wide", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cls,options", CONFIGS)
def test_in_place_matches_out_of_place_bit_for_bit(cls, options, dtype, wide):
    fast, slow = _model(dtype, wide), _model(dtype, wide)
    opt_fast, opt_slow = cls(fast.parameters(), **options), cls(slow.parameters(), **options)
    seen = _train(fast, opt_fast, 6, hold=False)
    _train(slow, opt_slow, 6, hold=True)
    assert seen == [True] * 6  # the fast model really wrote in place, at every step
    for a, b in zip(fast.parameters(), slow.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    for sa, sb in zip(opt_fast.state_dict()["state"].values(),
                      opt_slow.state_dict()["state"].values()):
        assert sa.keys() == sb.keys()
        for k in sa:
            va, vb = sa[k], sb[k]
            if isinstance(va, wl.Tensor):
                np.testing.assert_array_equal(va.numpy(), vb.numpy())
            else:
                assert va == vb


def test_what_shares_a_parameters_memory_sees_the_step():
    # as PyTorch's p.add_(): a detached alias and a NumPy view of the weight see the new values
    model = _model("float32")
    opt = optim.Adam(model.parameters(), lr=0.1)
    _train(model, opt, 2, hold=False)
    weight = model[0].weight
    kept, view = weight.detach(), weight.detach().numpy()[:2]
    before = kept.numpy().copy()
    _train(model, opt, 2, hold=False)
    assert not np.array_equal(weight.detach().numpy(), before)  # the step did move it
    np.testing.assert_array_equal(kept.numpy(), weight.detach().numpy())
    np.testing.assert_array_equal(view, weight.detach().numpy()[:2])


def test_a_parameter_viewing_user_memory_is_written_as_pytorch_writes_it():
    user = np.ones((3, 2), dtype=np.float32)
    p = wl.from_numpy(user[:, :]).requires_grad_()  # a view of memory the user owns
    opt = optim.SGD([p], lr=0.5)
    (p * p).sum().backward()
    opt.step()
    np.testing.assert_array_equal(user, np.zeros((3, 2), dtype=np.float32))
    np.testing.assert_array_equal(p.detach().numpy(), np.zeros((3, 2), dtype=np.float32))


def test_read_only_user_memory_is_replaced_not_written():
    user = np.ones((3, 2), dtype=np.float32)
    user.flags.writeable = False
    p = wl.from_numpy(user).requires_grad_()
    opt = optim.SGD([p], lr=0.5)
    (p * p).sum().backward()
    opt.step()
    np.testing.assert_array_equal(user, np.ones((3, 2), dtype=np.float32))
    np.testing.assert_array_equal(p.detach().numpy(), np.zeros((3, 2), dtype=np.float32))


def test_exclusive_array_rules():
    t = wl.Tensor._make(np.zeros(4))
    assert exclusive_array(t) is t._data
    other = t.detach()  # shares the array
    assert exclusive_array(t) is None
    del other
    assert exclusive_array(t) is t._data
    view = t._data[1:]
    assert exclusive_array(t) is None
    del view
    assert exclusive_array(wl.Tensor._make(np.zeros(4)[::2])) is None  # not its own memory
    frozen = np.zeros(2)
    frozen.flags.writeable = False
    assert exclusive_array(wl.Tensor._make(frozen)) is None
    # one tensor under two names: its array's count cannot tell, so the pair is refused
    assert exclusive_arrays(t, t) is None
    assert exclusive_arrays(t, None) == [t._data, None]
