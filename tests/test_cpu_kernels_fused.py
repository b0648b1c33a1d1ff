"""The one-pass numba kernels (GELU, standardisation, attention's softmax, gather/scatter-add,
optimizer steps) against the NumPy code they replace: at least as accurate against float64
truth (bit for bit for the index kernels; the optimizer steps are checked bit for bit in
tests/optim/test_in_place.py), the same NaN and infinity positions, and a decline (so the
NumPy path runs) on the inputs they do not cover. float16 runs the float32 kernels and rounds
once, as the forwards do."""
from __future__ import annotations

import numpy as np
import pytest

import wonderland as wl
from wonderland.backend import cpu_kernels
from wonderland.backend.cpu_kernels import KERNEL_MIN_SIZE, fast_math
from wonderland.backend.cpu_kernels import gelu as gelu_kernels
from wonderland.backend.cpu_kernels import index as index_kernels
from wonderland.backend.cpu_kernels import optimizers as optimizer_kernels
from wonderland.backend.cpu_kernels import rows as row_kernels
from wonderland.backend.cpu_kernels._numba import njit
from wonderland.backend.kernels import ADAM_STEP
from wonderland.ops.activation import Gelu, GeluGrad
from wonderland.ops.attention import MaskedSoftmax, SoftmaxGrad, masked_softmax
from wonderland.ops.index import Gather, ScatterAdd
from wonderland.ops.norm import Standardize, StandardizeGrad

SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 7.5, -7.5, 1e-30, -1e-30]


def _assert_as_accurate(got, ref32, truth, slack: float = 1e-7):
    """got's worst error against truth is within the float32 reference's plus a little, and
    its NaNs and infinities sit where the reference's do."""
    finite = np.isfinite(truth) & np.isfinite(ref32)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref32))
    np.testing.assert_array_equal(got[np.isinf(ref32)], ref32[np.isinf(ref32)])
    worst = np.max(np.abs(got[finite] - truth[finite]))
    assert worst <= 1.5 * np.max(np.abs(ref32[finite] - truth[finite])) + slack


@njit
def _exp_all(x, out):
    for i in range(x.size):
        out[i] = fast_math.exp32(x[i])


def test_exp32_is_within_two_ulp_and_handles_the_edges():
    normal = np.linspace(-87.3, 88.7, 200_001, dtype=np.float32)  # results are normal floats
    tiny = np.linspace(-103.9, -87.4, 1001, dtype=np.float32)  # results are subnormal
    edges = np.array([np.nan, np.inf, -np.inf, -104.5, 88.8, 0.0], np.float32)
    x = np.concatenate([normal, tiny, edges])
    out = np.empty_like(x)
    _exp_all(x, out)
    truth = np.exp(x.astype(np.float64))
    n = normal.size
    assert np.max(np.abs(out[:n] - truth[:n]) / truth[:n]) < 2 * 2.0 ** -23
    smallest = np.finfo(np.float32).smallest_subnormal
    assert np.max(np.abs(out[n:-6] - truth[n:-6])) <= smallest
    np.testing.assert_array_equal(out[-6:], [np.nan, np.inf, 0.0, 0.0, np.inf, 1.0])


def _gelu_inputs(rng, shape=(64, 1024)):
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    x.flat[:len(SPECIAL)] = SPECIAL
    return x, rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_kernels_are_as_accurate_as_the_numpy_forwards(approximate, dtype):
    x, g = (a.astype(dtype) for a in _gelu_inputs(np.random.default_rng(0)))
    x64, g64 = x.astype(np.float64), g.astype(np.float64)
    prim, grad = Gelu(approximate), GeluGrad(approximate)
    with np.errstate(invalid="ignore"):
        _assert_as_accurate(gelu_kernels.gelu(prim, x), prim.forward(np, x),
                            prim.forward(np, x64))
        _assert_as_accurate(gelu_kernels.gelu_grad(grad, g, x), grad.forward(np, g, x),
                            grad.forward(np, g64, x64))


def test_gelu_kernels_decline_what_they_do_not_cover_and_take_any_layout():
    big = np.zeros(KERNEL_MIN_SIZE, np.float32)
    assert gelu_kernels.gelu(Gelu(), big[: KERNEL_MIN_SIZE // 2]) is NotImplemented
    assert gelu_kernels.gelu(Gelu(), big.astype(np.float64)) is NotImplemented
    assert gelu_kernels.gelu_grad(GeluGrad(), big, big.reshape(2, -1)) is NotImplemented
    x = np.linspace(-4, 4, 2 * KERNEL_MIN_SIZE, dtype=np.float32)  # any layout is taken
    for g, v in ((x[::-1], x), (np.broadcast_to(np.float32(1.5), x.shape), x[::1])):
        np.testing.assert_array_equal(gelu_kernels.gelu_grad(GeluGrad(), g, v),
                                      gelu_kernels.gelu_grad(GeluGrad(), g.copy(), v.copy()))
    strided = np.linspace(-4, 4, 2 * KERNEL_MIN_SIZE, dtype=np.float32)[::2]
    np.testing.assert_array_equal(gelu_kernels.gelu(Gelu(), strided),
                                  gelu_kernels.gelu(Gelu(), strided.copy()))


def _taken(monkeypatch, *primitives) -> dict:
    """Wrap the table's kernels for these primitives; the returned dict counts, per primitive,
    the calls the kernel took (rather than declined to the NumPy forward)."""
    assert cpu_kernels.load()
    table = wl.tensor([0.0]).device.kernels
    counts = dict.fromkeys(primitives, 0)
    for prim in primitives:
        def watched(*args, _kernel=table[prim], _prim=prim):
            out = _kernel(*args)
            counts[_prim] += out is not NotImplemented
            return out
        monkeypatch.setitem(table, prim, watched)
    return counts


def test_a_model_runs_the_gelu_kernels_and_keeps_torchs_values(monkeypatch):
    import torch  # a test dependency: never skipped
    taken = _taken(monkeypatch, Gelu, GeluGrad)
    x = np.random.default_rng(1).standard_normal((128, 512)).astype(np.float32)
    ours = wl.tensor(x, requires_grad=True)
    y = wl.nn.functional.gelu(ours)
    y.sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    want = torch.nn.functional.gelu(theirs)
    want.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), want.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-6)
    assert taken == {Gelu: 1, GeluGrad: 1}


def _rows_inputs(rng, shape, special: bool):
    x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    if special:  # a NaN, an inf (both in columns a causal mask keeps), a row of -inf (empty)
        first = (0,) * (x.ndim - 2)
        x[first + (3, 0)] = np.nan
        x[first + (5, 1)] = np.inf
        x[first + (2,)] = -np.inf
    return x, rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("shape,axes,layout", [
    ((64, 32, 128), (2,), "C"), ((16, 8, 24, 24), (2, 3), "C"), ((8, 4, 2048), (1, 2), "C"),
    ((64, 32, 128), (2,), "strided"),  # copied into rows first
    # batch norm: channels over the batch, in a convolution's (C, N, H, W) memory and in NCHW's
    ((128, 8, 20, 20), (0, 2, 3), "channels first"), ((128, 8, 20, 20), (0, 2, 3), "C")])
def test_standardize_kernels_are_as_accurate_as_the_numpy_forwards(shape, axes, layout, dtype):
    x, g = (a.astype(dtype) for a in _rows_inputs(np.random.default_rng(2), shape, False))
    if layout == "channels first":
        x, g = (np.ascontiguousarray(a.swapaxes(0, 1)).swapaxes(0, 1) for a in (x, g))
    elif layout == "strided":
        x, g = (np.repeat(a, 2, axis=-1)[..., ::2] for a in (x, g))
    prim, grad = Standardize(axes, 1e-5), StandardizeGrad(axes, 1e-5)
    x64, g64 = x.astype(np.float64), g.astype(np.float64)
    y, y64 = prim.forward(np, x), prim.forward(np, x64)
    truth = prim.forward(np, x64), grad.forward(np, g64, y64, x64)
    slack = 1e-13 if dtype == "float64" else 1e-7  # float64: the reference is the truth
    _assert_as_accurate(row_kernels.standardize(prim, x), y, truth[0], slack)
    _assert_as_accurate(row_kernels.standardize_grad(grad, g, y, x), grad.forward(np, g, y, x),
                        truth[1], slack)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("special", [False, True])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shape", [(16, 4, 64, 64), (8, 4, 48, 80), (24, 1, 96, 32)])
def test_softmax_kernels_are_as_accurate_as_the_numpy_forwards(shape, causal, special, dtype):
    rng = np.random.default_rng(3)
    x, g = (a.astype(dtype) for a in _rows_inputs(rng, shape, special))
    prim, grad = MaskedSoftmax(0.125, causal), SoftmaxGrad(0.125)
    with np.errstate(invalid="ignore"):
        y = prim.forward(np, x)
        truth = prim.forward(np, x.astype(np.float64))
        _assert_as_accurate(row_kernels.masked_softmax(prim, x), y, truth)
        y = np.where(np.isnan(y), 0, y).astype(dtype)  # a clean y for the backward
        _assert_as_accurate(row_kernels.softmax_grad(grad, g, y), grad.forward(np, g, y),
                            grad.forward(np, g.astype(np.float64), y.astype(np.float64)))


def test_row_kernels_decline_what_they_do_not_cover():
    x = np.ones((64, 32, 64), np.float32)
    assert row_kernels.standardize(Standardize((1,), 1e-5), x) is NotImplemented  # a middle axis
    assert row_kernels.standardize(Standardize((0, 2), 1e-5), x[:, :0]) is NotImplemented
    assert row_kernels.standardize(Standardize((2,), 1e-5), x[:1, :8]) is NotImplemented  # small
    mask = np.ones((64, 32, 64), bool)
    assert row_kernels.masked_softmax(MaskedSoftmax(1.0), x, mask) is NotImplemented
    assert row_kernels.masked_softmax(MaskedSoftmax(1.0), x.astype(np.float64)) is NotImplemented
    assert row_kernels.softmax_grad(SoftmaxGrad(), x, x[::-1]) is NotImplemented


def test_attention_and_layer_norm_run_the_row_kernels_and_keep_torchs_values(monkeypatch):
    import torch  # a test dependency: never skipped
    taken = _taken(monkeypatch, Standardize, StandardizeGrad, MaskedSoftmax, SoftmaxGrad)
    rng = np.random.default_rng(4)
    q, k, v = (rng.standard_normal((8, 4, 64, 32)).astype(np.float32) for _ in range(3))
    w = rng.standard_normal(32).astype(np.float32)
    ours = [wl.tensor(a, requires_grad=True) for a in (q, k, v, w)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (q, k, v, w)]
    outs = []
    for functional, (tq, tk, tv, tw) in ((wl.nn.functional, ours),
                                         (torch.nn.functional, theirs)):
        a = functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True)
        y = functional.layer_norm(a, (32,), tw)
        (y * y).sum().backward()
        outs.append(y.detach().numpy())
    np.testing.assert_allclose(outs[0], outs[1], atol=2e-5)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-4)
    assert all(taken.values()), taken


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("dim", [0, 1, 2])
@pytest.mark.parametrize("layout", ["contiguous", "broadcast", "transposed"])
def test_index_kernels_equal_the_numpy_forwards_bit_for_bit(dim, layout, dtype):
    rng = np.random.default_rng(5)
    shape = [8, 24, 32]
    x = rng.standard_normal(shape).astype(dtype)
    picked = list(shape)
    picked[dim] = 40  # more picks than rows along dim: repeats accumulate in the scatter
    if layout == "broadcast":  # as embedding's expanded index: one pick per row
        one = list(picked)
        one[-1 if dim % 3 != 2 else 0] = 1
        index = np.broadcast_to(rng.integers(0, shape[dim], one), picked)
    elif layout == "transposed":
        index = rng.integers(0, shape[dim], picked[::-1]).T
    else:
        index = rng.integers(0, shape[dim], picked)
    src = rng.standard_normal(picked).astype(dtype)
    gather, scatter = Gather(dim), ScatterAdd(dim)
    np.testing.assert_array_equal(index_kernels.gather(gather, x, index),
                                  gather.forward(np, x, index))
    np.testing.assert_array_equal(index_kernels.scatter_add(scatter, x, index, src),
                                  scatter.forward(np, x, index, src))


def test_index_kernels_decline_what_they_do_not_cover():
    x = np.zeros((64, 128), np.float32)
    index = np.zeros((64, 128), np.int64)
    for bad in (-1, 64):  # NumPy wraps -1 and raises for 64
        index[3, 5] = bad
        assert index_kernels.gather(Gather(0), x, index) is NotImplemented
        assert index_kernels.scatter_add(ScatterAdd(0), x, index, x) is NotImplemented
    index[3, 5] = 0
    assert index_kernels.gather(Gather(0), x.astype(np.float16), index) is NotImplemented
    assert index_kernels.gather(Gather(0), x[:8], index[:8]) is NotImplemented  # small
    assert index_kernels.gather(Gather(0), x, index[:, :64]) is NotImplemented  # broadcasting
    assert index_kernels.scatter_add(ScatterAdd(0), x, index, x.astype(np.float64)) \
        is NotImplemented


def test_an_embedding_runs_the_index_kernels_and_keeps_torchs_gradient(monkeypatch):
    import torch  # a test dependency: never skipped
    taken = _taken(monkeypatch, Gather, ScatterAdd)
    rng = np.random.default_rng(6)
    tokens = rng.integers(0, 65, (32, 64))
    weight = rng.standard_normal((65, 128)).astype(np.float32)
    g = rng.standard_normal((32, 64, 128)).astype(np.float32)
    ours = wl.tensor(weight, requires_grad=True)
    wl.nn.functional.embedding(wl.tensor(tokens), ours).backward(wl.tensor(g))
    theirs = torch.tensor(weight, requires_grad=True)
    torch.nn.functional.embedding(torch.tensor(tokens), theirs).backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-5)
    assert taken == {Gather: 1, ScatterAdd: 1}


@pytest.mark.parametrize("cls,options", [
    (wl.optim.Adam, {"lr": 0.01, "weight_decay": 0.1, "maximize": True}),
    (wl.optim.AdamW, {"lr": 0.01, "betas": (0.8, 0.9), "eps": 1e-3})])
def test_the_adam_kernel_takes_the_steps_of_large_parameters(cls, options, monkeypatch):
    """The in-place tests (tests/optim/test_in_place.py) check the values bit for bit; this
    one checks that the one-pass kernel is what took the steps."""
    assert cpu_kernels.load()
    table = wl.tensor([0.0]).device.kernels
    taken = []

    def watched(*args):
        took = optimizer_kernels.adam_step(*args)
        taken.append((args[0].size, took))
        return took
    monkeypatch.setitem(table, ADAM_STEP, watched)
    weight = wl.nn.Parameter(wl.randn(256, 256))
    small = wl.nn.Parameter(wl.randn(64, 96))
    opt = cls([weight, small], **options)
    for _ in range(3):
        opt.zero_grad()
        ((weight * weight).sum() + small.sum()).backward()
        opt.step()
    assert taken == [(256 * 256, True), (64 * 96, False)] * 3  # the small one: NumPy's path


def test_index_kernels_take_read_only_inputs():
    """Broadcast views (read-only) reach them as an embedding's table and gradient."""
    rng = np.random.default_rng(7)
    table = np.broadcast_to(rng.standard_normal(128).astype(np.float32), (65, 128))
    index = np.broadcast_to(rng.integers(0, 65, (2048, 1)), (2048, 128))
    src = np.broadcast_to(rng.standard_normal((1, 128)).astype(np.float32), (2048, 128))
    np.testing.assert_array_equal(index_kernels.gather(Gather(0), table, index),
                                  Gather(0).forward(np, table, index))
    zeros = np.zeros((65, 128), np.float32)
    np.testing.assert_array_equal(index_kernels.scatter_add(ScatterAdd(0), zeros, index, src),
                                  ScatterAdd(0).forward(np, zeros, index, src))


def test_small_tensors_never_import_numba():
    """The stubs decline below a kernel's size without importing numba: a model of small
    tensors (here GELU, layer norm, an embedding and Adam) pays nothing for the kernels."""
    import subprocess
    import sys

    code = ("import sys, wonderland as wl; F = wl.nn.functional; "
            "p = wl.nn.Parameter(wl.randn(128, 128)); e = wl.nn.Parameter(wl.randn(10, 16)); "
            "x = F.embedding(wl.tensor([[1, 2, 3]]), e); "
            "y = F.layer_norm(F.gelu(x), (16,)).sum() + (p * p).sum(); y.backward(); "
            "wl.optim.Adam([p, e]).step(); print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_float16_kernels_are_the_float32_kernels_rounded_once():
    rng = np.random.default_rng(6)
    x, g = (a.astype(np.float16) for a in _rows_inputs(rng, (64, 32, 128), False))
    y = Standardize((2,), 1e-5).forward(np, x)
    cases = [(gelu_kernels.gelu, Gelu(), (x,)), (gelu_kernels.gelu_grad, GeluGrad("tanh"), (g, x)),
             (row_kernels.standardize, Standardize((2,), 1e-5), (x,)),
             (row_kernels.standardize_grad, StandardizeGrad((2,), 1e-5), (g, y, x)),
             (row_kernels.masked_softmax, MaskedSoftmax(0.5, True), (x,)),
             (row_kernels.softmax_grad, SoftmaxGrad(0.5), (g, y))]
    for kernel, prim, arrays in cases:
        got = kernel(prim, *arrays)
        assert got.dtype == np.float16, prim
        wide = kernel(prim, *(a.astype(np.float32) for a in arrays))
        np.testing.assert_array_equal(got, wide.astype(np.float16), err_msg=str(prim))
        # the forward rounds its own float32 result: one float16 step apart at most, beyond
        # the float32 forms' own differences (3e-6 in the tails of the tanh form's slope)
        np.testing.assert_allclose(got, prim.forward(np, *arrays), rtol=2.0 ** -10, atol=1e-5,
                                   err_msg=str(prim))


def test_float16_norm_gelu_and_softmax_run_the_kernels_and_keep_torchs_values(monkeypatch):
    import torch  # a test dependency: never skipped
    taken = _taken(monkeypatch, Gelu, GeluGrad, Standardize, StandardizeGrad, MaskedSoftmax,
                   SoftmaxGrad)
    rng = np.random.default_rng(7)
    x, c = ((rng.standard_normal((64, 8, 64)) * 300).astype(np.float16) for _ in range(2))
    w = rng.standard_normal(64).astype(np.float16)
    ours = [wl.tensor(a, requires_grad=True) for a in (x, w)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w)]
    outs = []
    for functional, (tx, tw), tc in ((wl.nn.functional, ours, wl.tensor(c)),
                                     (torch.nn.functional, theirs, torch.tensor(c))):
        y = functional.gelu(functional.layer_norm(tx, (64,), tw) * 4)  # variance past 65504
        y = functional.softmax(y, -1) if functional is torch.nn.functional else \
            masked_softmax(y, scale=1.0)
        (y * tc).sum().backward()
        outs.append(y.detach().numpy())
    assert outs[0].dtype == np.float16
    np.testing.assert_allclose(outs[0], outs[1], rtol=4e-3, atol=1e-3)
    for a, b in zip(ours, theirs):  # the weight's gradient sums 512 rows: cancellation
        scale = np.abs(b.grad.numpy()).max()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-2, atol=2e-3 * scale)
    assert all(taken.values()), taken


def test_batch_norm_after_a_convolution_runs_the_row_kernels_and_keeps_torchs_values(monkeypatch):
    """The convolution's output is laid out channels first, so each channel is one row."""
    import torch  # a test dependency: never skipped
    taken = _taken(monkeypatch, Standardize, StandardizeGrad)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((32, 3, 12, 12)).astype(np.float32)
    w = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)
    ours = [wl.tensor(a, requires_grad=True) for a in (x, w)]
    y = wl.nn.functional.batch_norm(wl.nn.functional.conv2d(*ours, padding=1), None, None,
                                    training=True)
    (y * y.detach().square()).sum().backward()
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w)]
    want = torch.nn.functional.batch_norm(torch.nn.functional.conv2d(*theirs, padding=1), None,
                                          None, training=True)
    (want * want.detach().square()).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), want.detach().numpy(), atol=2e-5)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-3)
    assert taken == {Standardize: 1, StandardizeGrad: 1}
