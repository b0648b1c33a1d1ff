"""The fused conv primitives (ops/conv.py) against the composite they replaced: a strided view
of the windows, one batched matmul per group and example, and the view's scatter-add for the
transposed convolution. Outputs and all gradients, float64 and float32, over stride, padding
('same', asymmetric), dilation, groups, 1-D and 2-D, unbatched, and a chunked batch."""
import math

import numpy as np
import pytest

import wonderland as wl
from wonderland import ops
from wonderland.nn import functional as F
from wonderland.ops import conv_kernels
from wonderland.ops.strided import AsStridedAdd, contiguous_strides

RNG = np.random.default_rng(3)


def _windows(x, kernel, stride, dilation, out, groups):
    """(groups, N, C/groups, *kernel, *out) view of a padded x's sliding windows."""
    n, c = x.shape[:2]
    st = contiguous_strides(x.shape)
    cg = c // groups
    return ops.as_strided(x, (groups, n, cg, *kernel, *out),
                          (st[1] * cg, st[0], st[1], *[a * d for a, d in zip(st[2:], dilation)],
                           *[a * s for a, s in zip(st[2:], stride)]))


def composite_conv(x, w, b, stride, pads, dilation, groups):
    """The composite conv: pad, im2col view, one matmul per group and example, bias."""
    if any(lo or hi for lo, hi in pads):
        x = ops.pad(x, [v for pair in reversed(pads) for v in pair])
    n, (out_c, cg, *kernel) = x.shape[0], w.shape
    out = [(s - d * (k - 1) - 1) // st + 1
           for s, k, st, d in zip(x.shape[2:], kernel, stride, dilation)]
    cols = _windows(x, kernel, stride, dilation, out, groups)
    cols = cols.reshape(groups, n, cg * math.prod(kernel), math.prod(out))
    wg = w.reshape(groups, 1, out_c // groups, cg * math.prod(kernel))
    y = (wg @ cols).permute(1, 0, 2, 3).reshape(n, out_c, *out)
    return y if b is None else y + b.reshape((out_c,) + (1,) * len(kernel))


def composite_conv_transpose(x, w, stride, padding, extra, dilation, groups):
    """The composite transposed conv: one matmul per group, then conv's view, adjoint."""
    (n, in_c, *size), (_, og, *kernel) = x.shape, w.shape
    full = [(i - 1) * s + d * (k - 1) + 1 + e
            for i, s, d, k, e in zip(size, stride, dilation, kernel, extra)]
    cg, out_c = in_c // groups, og * groups
    cols = x.reshape(n, groups, cg, math.prod(size)).permute(1, 0, 2, 3)
    wg = w.reshape(groups, cg, og * math.prod(kernel)).mT.unsqueeze(1)
    parts = (wg @ cols).reshape(groups, n, og, *kernel, *size)
    st = contiguous_strides((n, out_c, *full))
    y = AsStridedAdd((n, out_c, *full), parts.shape,
                     (st[1] * og, st[0], st[1], *[a * d for a, d in zip(st[2:], dilation)],
                      *[a * s for a, s in zip(st[2:], stride)]))(parts)
    return y[(slice(None), slice(None)) + tuple(slice(p, f - p) for p, f in zip(padding, full))]


def _grads(f, arrays, dtype):
    """f's output and the gradients of <f, g> for every input, as float64 NumPy arrays."""
    ts = [wl.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    y = f(*ts)
    g = np.random.default_rng(0).standard_normal(y.shape)
    (y * wl.tensor(g, dtype=dtype)).sum().backward()
    return [np.asarray(y.detach(), dtype=np.float64)] + [np.asarray(t.grad, np.float64)
                                                         for t in ts]


TOL = {wl.float64: (1e-10, 1e-10), wl.float32: (2e-4, 2e-4)}

# (x shape, w shape, stride, padding pairs, dilation, groups)
CONV = [
    ((2, 3, 7, 8), (4, 3, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),
    ((2, 4, 9, 7), (6, 2, 3, 2), (2, 1), ((0, 0), (2, 2)), (1, 2), 2),
    ((1, 2, 6, 7), (3, 2, 4, 2), (1, 1), ((1, 2), (0, 1)), (1, 1), 1),  # 'same', even kernel
    ((3, 4, 5, 5), (8, 1, 3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1), 4),  # depthwise
    ((2, 3, 11), (5, 3, 3), (2,), ((2, 2),), (3,), 1),
    ((2, 4, 9), (4, 2, 4), (1,), ((0, 0),), (1,), 2),
    ((9, 2, 6, 6), (3, 2, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),  # chunked (see below)
]


@pytest.mark.parametrize("dtype", [wl.float64, wl.float32])
@pytest.mark.parametrize("xs,ws,stride,pads,dilation,groups", CONV)
def test_fused_conv_equals_the_composite(monkeypatch, xs, ws, stride, pads, dilation, groups,
                                         dtype):
    monkeypatch.setattr(conv_kernels, "CHUNK_BYTES", 600)  # several batch chunks per call
    arrays = [RNG.standard_normal(xs), RNG.standard_normal(ws), RNG.standard_normal(ws[0])]
    geometry = (stride, pads, dilation, groups)
    fused = _grads(lambda x, w, b: ops.conv.Conv(*geometry)(x, w, b), arrays, dtype)
    ref = _grads(lambda x, w, b: composite_conv(x, w, b, *geometry), arrays, dtype)
    rtol, atol = TOL[dtype]
    for what, a, b in zip(["output", "dx", "dw", "db"], fused, ref):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


# (x shape, w shape, stride, padding, output_padding, dilation, groups)
TRANSPOSED = [
    ((2, 3, 4, 5), (3, 2, 3, 3), (2, 2), (1, 1), (1, 1), (1, 1), 1),
    ((2, 4, 3, 4), (4, 1, 3, 2), (2, 3), (1, 0), (1, 2), (1, 2), 2),
    ((2, 2, 4), (2, 3, 4), (3,), (0,), (1,), (2,), 1),  # output_padding beyond padding
    ((1, 4, 5), (4, 2, 3), (1,), (2,), (0,), (3,), 2),
]


@pytest.mark.parametrize("dtype", [wl.float64, wl.float32])
@pytest.mark.parametrize("xs,ws,stride,padding,extra,dilation,groups", TRANSPOSED)
def test_fused_conv_transpose_equals_the_composite(xs, ws, stride, padding, extra, dilation,
                                                   groups, dtype):
    arrays = [RNG.standard_normal(xs), RNG.standard_normal(ws)]
    kw = {"stride": stride, "padding": padding, "output_padding": extra, "dilation": dilation,
          "groups": groups}
    fn = F.conv_transpose2d if len(xs) == 4 else F.conv_transpose1d
    fused = _grads(lambda x, w: fn(x, w, **kw), arrays, dtype)
    ref = _grads(lambda x, w: composite_conv_transpose(x, w, stride, padding, extra, dilation,
                                                       groups), arrays, dtype)
    rtol, atol = TOL[dtype]
    for what, a, b in zip(["output", "dx", "dw"], fused, ref):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def test_conv2d_runs_the_fused_primitive_only():
    seen = []
    from wonderland.core import primitive

    primitive._observers.append(lambda prim, xs: seen.append(prim.name))
    try:
        x = wl.randn(2, 3, 6, 6, requires_grad=True)
        F.conv2d(x, wl.randn(4, 3, 3, 3), padding=1).sum().backward()
    finally:
        primitive._observers.pop()
    assert "Conv" in seen and "ConvInputGrad" in seen
    assert not {"AsStrided", "AsStridedAdd", "MatMul", "Pad"} & set(seen)


def test_outputs_keep_channels_first_memory():
    """Conv's output is its channels-first GEMM result seen as (N, O, ...): no copy."""
    y = ops.conv.Conv((1, 1), ((1, 1), (1, 1)), (1, 1), 1)(wl.randn(3, 2, 5, 5),
                                                          wl.randn(4, 2, 3, 3))
    a = np.asarray(y)
    assert a.shape == (3, 4, 5, 5) and a.strides[1] > a.strides[0]
