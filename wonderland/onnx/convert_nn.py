"""Converters of the layer primitives: Affine (Gemm, or MatMul + Add beyond 2-D), MatMul,
Conv, ConvInputGrad run forwards (ConvTranspose) and BlockMax (MaxPool with the stride of its
kernel)."""
from __future__ import annotations

from .table import converts


@converts("Affine")
def affine(g, prim, ins, xs, out):
    """x W^T + b: Gemm for a 2-D x; MatMul by the transposed W, then Add, beyond."""
    if xs[0].ndim == 2:
        return g.node("Gemm", ins, transB=1)
    y = g.node("MatMul", [ins[0], g.node("Transpose", [ins[1]], perm=[1, 0])])
    return g.node("Add", [y, ins[2]]) if len(ins) > 2 else y


@converts("MatMul")
def matmul(g, prim, ins, xs, out):
    return g.node("MatMul", ins)


@converts("Conv")
def conv(g, prim, ins, xs, out):
    pads = [lo for lo, _ in prim.pads] + [hi for _, hi in prim.pads]
    return g.node("Conv", ins, strides=list(prim.stride), pads=pads,
                  dilations=list(prim.dilation), group=int(prim.groups),
                  kernel_shape=list(xs[1].shape[2:]))


@converts("ConvInputGrad")
def conv_transpose(g, prim, ins, xs, out):
    """The transposed convolution of x by w (conv_transpose's primitive, inputs w, x): ONNX's
    ConvTranspose, the output padding making up the size asked for."""
    w, x = xs
    kernel = w.shape[2:]
    extra = [size - (s * (n - 1) + (k - 1) * d + 1 - lo - hi) for size, s, n, k, d, (lo, hi)
             in zip(prim.size, prim.stride, x.shape[2:], kernel, prim.dilation, prim.pads)]
    pads = [lo for lo, _ in prim.pads] + [hi for _, hi in prim.pads]
    return g.node("ConvTranspose", [ins[1], ins[0]], strides=list(prim.stride), pads=pads,
                  dilations=list(prim.dilation), group=int(prim.groups),
                  kernel_shape=list(kernel), output_padding=extra)


@converts("BlockMax")
def block_max(g, prim, ins, xs, out):
    if xs[0].ndim != len(prim.kernel) + 2:
        raise NotImplementedError(f"onnx.export: BlockMax over the last {len(prim.kernel)} "
                                  f"dims of a {xs[0].ndim}-D tensor (MaxPool wants N, C first)")
    kernel = [int(k) for k in prim.kernel]
    return g.node("MaxPool", ins, kernel_shape=kernel, strides=kernel)


@converts("Einsum")
def einsum(g, prim, ins, xs, out):
    return g.node("Einsum", ins, equation=",".join(prim.inputs) + "->" + prim.output)
