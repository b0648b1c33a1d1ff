"""Converters of the layer primitives: Affine (Gemm, or MatMul + Add beyond 2-D), MatMul,
Conv, ConvInputGrad run forwards (ConvTranspose), BlockMax (MaxPool with the stride of its
kernel) and the fused GRU and LSTM cells (their formulas, node by node)."""
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


def _one_row(g, ins, xs, out) -> list[str]:
    """A cell's constant inputs that repeat one row along the first dim (a zero initial state
    made at the example's batch size, and its products with the weights) cut to that row, so
    that ONNX broadcasts them and the batch stays dynamic, while a live input spans the dim."""
    consts = {t.name for t in g.initializers}
    if out.ndim < 2 or out.shape[0] < 2 or not any(
            name not in consts and x.shape[0] == out.shape[0] for name, x in zip(ins, xs)):
        return ins
    return [g.node("Slice", [name, g.ints([0]), g.ints([1]), g.ints([0])])
            if name in consts and x.ndim == out.ndim and (x._data == x._data[:1]).all()
            else name for name, x in zip(ins, xs)]


def _split(g, x: str, parts: int, size: int) -> list[str]:
    """x cut into `parts` blocks of `size` along the last axis."""
    return g.node("Split", [x, g.ints([size] * parts)], outputs=parts, axis=-1)


@converts("GruCell")
def gru_cell(g, prim, ins, xs, out):
    """h' = n + z (h - n), r and z sigmoids of gi + gh, n = tanh(i_n + r h_n)."""
    size, ins = xs[2].shape[-1], _one_row(g, ins, xs, out)
    i_r, i_z, i_n = _split(g, ins[0], 3, size)
    h_r, h_z, h_n = _split(g, ins[1], 3, size)
    r = g.node("Sigmoid", [g.node("Add", [i_r, h_r])])
    z = g.node("Sigmoid", [g.node("Add", [i_z, h_z])])
    n = g.node("Tanh", [g.node("Add", [i_n, g.node("Mul", [r, h_n])])])
    return g.node("Add", [n, g.node("Mul", [z, g.node("Sub", [ins[2], n])])])


@converts("LstmCell")
def lstm_cell(g, prim, ins, xs, out):
    """[h', c'] with c' = sigmoid(f) c + sigmoid(i) tanh(g), h' = sigmoid(o) tanh(c')."""
    ins = _one_row(g, ins, xs, out)
    a_i, a_f, a_g, a_o = _split(g, ins[0], 4, xs[1].shape[-1])
    c2 = g.node("Add", [g.node("Mul", [g.node("Sigmoid", [a_f]), ins[1]]),
                        g.node("Mul", [g.node("Sigmoid", [a_i]), g.node("Tanh", [a_g])])])
    h2 = g.node("Mul", [g.node("Sigmoid", [a_o]), g.node("Tanh", [c2])])
    return g.node("Concat", [h2, c2], axis=-1)
