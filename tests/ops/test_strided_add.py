"""AsStridedAdd's two ways of scattering (vectorised adds over loop axes, or one bincount) agree
with np.add.at on random views: overlapping windows, zero strides, offsets, transposed strides."""
import numpy as np
import pytest

from wonderland.ops import strided


def _reference(g, shape, size, stride, offset):
    out = np.zeros(int(np.prod(shape)))
    np.add.at(out, strided._flat_positions(size, stride, offset), g.reshape(-1))
    return out.reshape(shape)


def _random_view(rng):
    ndim = int(rng.integers(1, 5))
    size = tuple(int(n) for n in rng.integers(1, 5, ndim))
    stride = tuple(int(s) for s in rng.integers(0, 7, ndim))
    offset = int(rng.integers(0, 3))
    numel = offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1
    return (numel,), size, stride, offset


@pytest.mark.parametrize("seed", range(200))
def test_slice_adds_equal_add_at(seed):
    rng = np.random.default_rng(seed)
    shape, size, stride, offset = _random_view(rng)
    g = rng.standard_normal(size)
    want = _reference(g, shape, size, stride, offset)
    loop = strided._loop_axes(size, stride, most=10**6)  # always the slice path here
    got = strided._add_by_slices(np, g, shape, size, stride, offset, loop)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    prim = strided.AsStridedAdd(shape, size, stride, offset)  # whichever path it picks
    np.testing.assert_allclose(prim.forward(np, g), want, rtol=1e-12, atol=1e-12)


def test_conv_windows_loop_over_the_kernel_taps_only():
    # (groups, N, C, kh, kw, out_h, out_w) windows of a padded (N=2, C=3, 10, 10) input
    size, stride = (1, 2, 3, 3, 3, 8, 8), (300, 300, 100, 10, 1, 10, 1)
    assert sorted(strided._loop_axes(size, stride)) == [3, 4]
