"""wl.bfloat16 (ml_dtypes' NumPy dtype) against PyTorch's torch.bfloat16: promotion, creation
and casts, arithmetic in float32 rounded once (wonderland/ops/precision.py), every op-spec row's
forward in bfloat16, and gradients."""
import ml_dtypes
import numpy as np
import pytest
import torch

import wonderland as wl

from .ops.specs import FLOAT16_TWINS

BF16 = np.dtype(ml_dtypes.bfloat16)
EPS = 2.0 ** -7  # bfloat16's step at 1 (8 significant bits)
DTYPES = [wl.bool, wl.uint8, wl.int8, wl.int16, wl.int32, wl.int64, wl.float16, wl.bfloat16,
          wl.float32, wl.float64]


def _torch_dtype(d):
    return getattr(torch, d.name)


def _to_torch(a: np.ndarray) -> torch.Tensor:
    """bfloat16 arrays through float32 (exact): torch.from_numpy knows no ml_dtypes."""
    return torch.tensor(a.astype(np.float32)).bfloat16() if a.dtype == BF16 else \
        torch.from_numpy(a)


def test_the_dtype():
    assert wl.bfloat16.name == "bfloat16" and wl.bfloat16.is_floating_point
    assert wl.bfloat16.itemsize == torch.bfloat16.itemsize == 2
    assert repr(wl.bfloat16) == "wonderland.bfloat16"
    from wonderland.core.dtype import as_dtype, from_numpy

    assert as_dtype("bfloat16") is as_dtype(ml_dtypes.bfloat16) is from_numpy(BF16) is wl.bfloat16


@pytest.mark.parametrize("other", DTYPES, ids=lambda d: d.name)
def test_promotion_is_pytorchs(other):
    want = torch.promote_types(torch.bfloat16, _torch_dtype(other))
    a = wl.ones(2, dtype=wl.bfloat16)
    b = wl.ones(2, dtype=other)
    assert (a + b).dtype.name == (b + a).dtype.name == str(want).split(".")[1]


def test_python_scalars_are_weak_as_in_pytorch():
    a = wl.ones(2, dtype=wl.bfloat16)
    t = torch.ones(2, dtype=torch.bfloat16)
    for s in (2, 2.5, True):
        assert (a * s).dtype is wl.bfloat16 and (t * s).dtype is torch.bfloat16


def test_creation_and_casts_round_as_pytorchs():
    values = [1.0, 1.00390625, 3.3, -1e-3, 65504.0, 1e38, 3.4e38, float("inf"), float("nan")]
    ours = wl.tensor(values).bfloat16()  # 3.4e38 (a float32) is past bfloat16's largest: inf
    theirs = torch.tensor(values).bfloat16()
    assert ours.dtype is wl.bfloat16 and ours.numpy().dtype == BF16
    np.testing.assert_array_equal(ours.float().numpy(), theirs.float().numpy())
    np.testing.assert_array_equal(wl.tensor(values[:6], dtype=wl.bfloat16).float().numpy(),
                                  theirs[:6].float().numpy())
    np.testing.assert_array_equal(wl.tensor(values).to(wl.bfloat16).numpy(), ours.numpy())
    assert wl.tensor(ours.numpy()).dtype is wl.bfloat16  # a bfloat16 array keeps its dtype
    assert ours.double().dtype is wl.float64 and ours.is_floating_point
    assert wl.zeros(2, 3, dtype=wl.bfloat16).dtype is wl.bfloat16
    assert wl.tensor([1, 2]).to(wl.bfloat16).tolist() == [1.0, 2.0]
    assert ours[0].item() == 1.0 and "dtype=bfloat16" in repr(ours)


def test_a_long_sum_accumulates_in_float32_as_pytorchs():
    # in bfloat16 a running sum of ones stalls at 256 (256 + 1 rounds to 256)
    x = np.ones(3000, np.float32)
    ours = wl.tensor(x, dtype=wl.bfloat16)
    theirs = torch.tensor(x, dtype=torch.bfloat16)
    for f in (lambda t: t.sum(), lambda t: t.mean() * 3000, lambda t: t.cumsum(0)[-1],
              lambda t: t @ t, lambda t: (t[None] @ t[:, None])[0, 0]):
        got, want = f(ours), f(theirs)
        assert got.dtype is wl.bfloat16 and want.dtype is torch.bfloat16
        assert got.float().item() == want.float().item() == 3008.0  # 3000 rounded once


def _rows():
    return [pytest.param(s, id=s.name.removesuffix("_f16")) for s in FLOAT16_TWINS
            if s.torch_fn is not None]


@pytest.mark.parametrize("row", _rows())
def test_every_op_spec_row_in_bfloat16(row):
    """Each row on its inputs rounded to bfloat16: the dtype of PyTorch's bfloat16 result, and
    its values as PyTorch's float32 result rounded once (a composite, rounding at each of its
    ops, within a few steps)."""
    arrays = [a.astype(BF16) if a.dtype.kind == "f" else a for a in row.arrays()]
    with wl.no_grad(), np.errstate(all="ignore"):  # the rows' extremes overflow, as in PyTorch
        ours = row.fn(*[wl.tensor(a) for a in arrays])
        theirs = row.torch_fn(*map(_to_torch, arrays))
        wide = row.torch_fn(*[t.float() if t.dtype is torch.bfloat16 else t
                              for t in map(_to_torch, arrays)])
    assert ours.dtype.name == str(theirs.dtype).split(".")[1], row.name
    want = wide.detach().to(theirs.dtype).double().numpy()
    got = ours.double().numpy()
    scale = np.nanmax(np.abs(np.where(np.isfinite(want), want, 0)), initial=1.0)
    np.testing.assert_allclose(got, want, rtol=4 * EPS, atol=2 * EPS * scale, err_msg=row.name)


def test_gradients_in_bfloat16_are_pytorchs_in_float32_rounded():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 5)).astype(BF16)
    w = rng.standard_normal((3, 5)).astype(BF16)
    target = np.array([0, 2, 1, 1, 0, 2, 2, 1])

    def loss(lib, x, w):
        return lib.nn.functional.cross_entropy(lib.tanh(x @ w.T), lib.tensor(target))

    xs = [wl.tensor(a, requires_grad=True) for a in (x, w)]
    loss(wl, *xs).backward()
    ts = [torch.tensor(a.astype(np.float32), requires_grad=True) for a in (x, w)]
    loss(torch, *ts).backward()
    for ours, theirs in zip(xs, ts):
        assert ours.grad.dtype is wl.bfloat16
        want = theirs.grad.bfloat16().double().numpy()
        np.testing.assert_allclose(ours.grad.double().numpy(), want, rtol=4 * EPS,
                                   atol=2 * EPS * np.abs(want).max())


def test_a_bfloat16_model_trains():
    model = wl.nn.Sequential(wl.nn.Linear(4, 8), wl.nn.ReLU(), wl.nn.Linear(8, 1))
    model.to(dtype=wl.bfloat16)
    opt = wl.optim.SGD(model.parameters(), lr=0.1)
    x = wl.randn(32, 4).bfloat16()
    y = x.sum(1, keepdim=True)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert model[0].weight.dtype is wl.bfloat16 and losses[-1] < 0.2 * losses[0]


def test_random_factories_draw_bfloat16():
    x = wl.randn(4000, dtype=wl.bfloat16)
    u = wl.rand(4000, dtype=wl.bfloat16)
    assert x.dtype is u.dtype is wl.bfloat16
    assert abs(x.float().std().item() - 1) < 0.1 and 0 <= u.float().min().item() < 0.01
    assert u.float().max().item() <= 1.0


@pytest.mark.parametrize("cast", [lambda m: m.to(wl.bfloat16), lambda m: m.bfloat16(),
                                  lambda m: m.to(dtype=wl.bfloat16)])
def test_module_casts_leave_integer_buffers_alone_as_pytorchs(cast):
    model = cast(wl.nn.BatchNorm1d(3))
    theirs = torch.nn.BatchNorm1d(3).to(torch.bfloat16)
    ours = {k: v.dtype.name for k, v in model.state_dict().items()}
    assert ours == {k: str(v.dtype).split(".")[1] for k, v in theirs.state_dict().items()}
    assert ours["num_batches_tracked"] == "int64" and ours["weight"] == "bfloat16"
    assert wl.nn.Linear(2, 2).half().weight.dtype is wl.float16
