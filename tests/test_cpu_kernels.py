"""The numba kernels (the `fast` extra) against the NumPy forwards of the primitives they
replace: equal values, bit for bit, on the inputs each kernel accepts, and a decline (so the
NumPy forward runs) on the rest."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import wonderland as wl
from wonderland.backend import cpu_kernels
from wonderland.backend.cpu_kernels import pool as pool_kernels
from wonderland.ops.pool import BlockMax, BlockMaxScatter


def test_the_kernels_are_loaded_and_used():
    assert cpu_kernels.load()
    assert wl.tensor([0.0]).device.kernels[BlockMax] is pool_kernels.block_max


def _inputs(shape, dtype, kind, rng, layout):
    x = rng.standard_normal(shape)
    if kind == "ties":  # ReLU-like: most entries equal
        x = np.maximum(np.round(x), 0)
    elif kind == "special":
        x.flat[rng.choice(x.size, x.size // 5, replace=False)] = np.nan
        x.flat[rng.choice(x.size, x.size // 7, replace=False)] = np.inf
        x.flat[rng.choice(x.size, x.size // 7, replace=False)] = -np.inf
    x = x.astype(dtype)
    if layout == "channels_outer":  # as the fused conv lays out its output
        x = np.ascontiguousarray(np.swapaxes(x, 0, 1)).swapaxes(0, 1)
    return x


CASES = [((3, 4, 8, 6), (2, 2)), ((2, 3, 7, 9), (2, 3)), ((2, 5, 11), (2,)), ((1, 2, 6, 6), (3, 3))]


@pytest.mark.parametrize("layout", ["contiguous", "channels_outer"])
@pytest.mark.parametrize("kind", ["random", "ties", "special"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,kernel", CASES)
def test_pool_kernels_equal_the_numpy_forwards(shape, kernel, dtype, kind, layout):
    rng = np.random.default_rng(0)
    x = _inputs(shape, dtype, kind, rng, layout)
    prim = BlockMax(kernel)
    want = prim.forward(np, x)
    got = pool_kernels.block_max(prim, x)
    np.testing.assert_array_equal(got, want)
    g = rng.standard_normal(want.shape).astype(dtype)
    scatter = BlockMaxScatter(kernel)
    np.testing.assert_array_equal(pool_kernels.block_max_scatter(scatter, x, g),
                                  scatter.forward(np, x, g))


def test_pool_kernels_decline_what_they_do_not_cover():
    ints = np.arange(16).reshape(1, 1, 4, 4)
    assert pool_kernels.block_max(BlockMax((2, 2)), ints) is NotImplemented
    three_d = np.zeros((1, 1, 4, 4, 4))
    assert pool_kernels.block_max(BlockMax((2, 2, 2)), three_d) is NotImplemented
    x = np.zeros((1, 1, 4, 4))
    assert pool_kernels.block_max_scatter(BlockMaxScatter((2, 2)), x,
                                          np.zeros((1, 1, 2, 2), np.float32)) is NotImplemented
    half = x.astype(np.float16)  # numba has no float16 (it raised NotImplementedError)
    assert pool_kernels.block_max(BlockMax((2, 2)), half) is NotImplemented
    assert pool_kernels.block_max_scatter(BlockMaxScatter((2, 2)), half,
                                          half[..., ::2, ::2]) is NotImplemented


def test_float16_max_pool_runs_the_numpy_forwards_and_keeps_torchs_values():
    import torch  # a test dependency: never skipped
    x = np.random.default_rng(1).standard_normal((2, 3, 8, 6)).astype(np.float16)
    ours = wl.tensor(x, requires_grad=True)
    y = wl.nn.functional.max_pool2d(ours, 2)
    y.sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    want = torch.nn.functional.max_pool2d(theirs, 2)
    want.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), want.detach().numpy())
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_the_switch_runs_the_numpy_forwards():
    code = "import wonderland as wl; print(len(wl.tensor([0.0]).device.kernels))"
    env = {**os.environ, "WONDERLAND_KERNELS": "0"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    assert out.stdout.strip() == "0"


def test_numba_is_imported_only_when_a_kernel_runs():
    code = ("import sys, wonderland as wl; x = wl.randn(2, 3, requires_grad=True); "
            "(x.relu() @ wl.randn(3, 2)).sum().backward(); a = 'numba' in sys.modules; "
            "wl.nn.functional.max_pool2d(wl.randn(1, 1, 4, 4), 2); "
            "print(a, 'numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False True"


def test_a_numba_that_cannot_load_turns_the_kernels_off():
    from wonderland.backend.kernels import registered

    table = registered("cpu")
    saved = dict(table)
    stub = cpu_kernels._stub("no_such_module", "kernel", 0)
    try:
        with pytest.warns(RuntimeWarning, match="numba kernels are off"):
            assert stub(BlockMax((2, 2)), np.zeros((1, 1, 2, 2))) is NotImplemented
        assert BlockMax not in table
        x = wl.tensor(np.arange(16.0).reshape(1, 1, 4, 4))  # the NumPy forward runs
        np.testing.assert_array_equal(wl.nn.functional.max_pool2d(x, 2).numpy(),
                                      [[[[5.0, 7.0], [13.0, 15.0]]]])
    finally:
        table.update(saved)
