"""Op-spec rows: the fused convolution primitives (Conv, ConvWeightGrad, ConvInputGrad) over
1-D and 2-D, stride, padding ('same' included), dilation, groups and output_padding; and the
block max-pooling primitives (BlockMax, BlockMaxScatter, BlockMaxGather) on distinct values."""
import torch

from wonderland.nn import functional as F
from wonderland.ops.conv import ConvWeightGrad
from wonderland.ops.pool import BlockMaxGather, BlockMaxScatter

from ..spec import distinct, real, spec

TF = torch.nn.functional
CONV, WGRAD, IGRAD = "Conv", "ConvWeightGrad", "ConvInputGrad"
# PyTorch's float16 convolution rounds differently on CPUs with and without AVX-512: the float16
# twins compare with PyTorch in float32, rounded once (tests/ops/test_specs.py, _torch_oracle)
ROUNDED_ONCE = {"float16_oracle": "float32"}
BLOCKS = ("BlockMax", "BlockMaxScatter", "BlockMaxGather")


def _distinct(*shape):
    """Distinct values (no ties in a block), close enough to fit a few hundred in [-2, 2]."""
    return distinct(*shape, gap=0.005)


def _conv(nd: int, transposed: bool = False, **kw):
    """conv{nd}d (or conv_transpose{nd}d) with keywords kw: wonderland's and PyTorch's."""
    name = f"conv_transpose{nd}d" if transposed else f"conv{nd}d"
    ours, theirs = getattr(F, name), getattr(TF, name)
    return (lambda *a: ours(*a, **kw)), (lambda *a: theirs(*a, **kw))


def _weight_grad(kernel, stride, pads, dilation, groups):
    """ConvWeightGrad called directly, and PyTorch's torch.nn.grad.conv{nd}d_weight."""
    nd = len(kernel)
    prim = ConvWeightGrad(stride, pads, dilation, groups, kernel)
    ref = getattr(torch.nn.grad, f"conv{nd}d_weight")

    def theirs(x, g):
        shape = (g.shape[1], x.shape[1] // groups) + kernel
        return ref(x, shape, g, stride, tuple(lo for lo, _ in pads), dilation, groups)
    return prim, theirs


def _conv_rows():
    rows = [
        ("conv2d_plain", 2, {}, [(2, 3, 5, 6), (4, 3, 3, 2), (4,)]),
        ("conv2d_stride_padding", 2, {"stride": 2, "padding": 1},
         [(2, 2, 5, 6), (3, 2, 3, 3), (3,)]),
        ("conv2d_groups_dilation", 2,
         {"stride": (1, 2), "padding": (1, 2), "dilation": (2, 1), "groups": 2},
         [(2, 4, 6, 5), (4, 2, 2, 3), (4,)]),
        ("conv2d_depthwise_no_bias", 2, {"groups": 3, "padding": 1}, [(2, 3, 4, 4),
                                                                      (6, 1, 3, 3)]),
        ("conv1d_stride_dilation", 1, {"stride": 2, "dilation": 2, "padding": 2},
         [(2, 3, 9), (4, 3, 3), (4,)]),
        ("conv1d_groups_same", 1, {"groups": 2, "padding": "same"}, [(2, 4, 7), (2, 2, 3)]),
        ("conv1d_unbatched", 1, {"padding": 1}, [(3, 6), (2, 3, 3), (2,)]),
    ]
    same = spec("conv2d_same_even_kernel", CONV,  # padding (0, 1) in H: uneven
                lambda x, w: F.conv2d(x, w, padding="same", dilation=(1, 2)),
                [real(1, 2, 5, 6), real(3, 2, 2, 4)],
                torch_fn=lambda x, w: TF.conv2d(TF.pad(x, (3, 3, 0, 1)), w, dilation=(1, 2)),
                tags=ROUNDED_ONCE)
    return [same] + [spec(name, CONV, *_conv(nd, **kw)[:1], [real(*s) for s in shapes],
                          torch_fn=_conv(nd, **kw)[1], tags=ROUNDED_ONCE)
                     for name, nd, kw, shapes in rows]


def _transposed_rows():
    rows = [
        ("conv_transpose2d_stride_output_padding", 2,
         {"stride": 2, "padding": 1, "output_padding": 1}, [(2, 3, 3, 4), (3, 2, 3, 3), (2,)]),
        ("conv_transpose2d_groups_dilation", 2, {"groups": 2, "dilation": 2, "padding": 1},
         [(1, 4, 3, 3), (4, 1, 2, 3)]),
        # output_padding beyond padding: the primitive's pads are negative (a crop)
        ("conv_transpose1d_crop", 1, {"stride": 3, "dilation": 2, "output_padding": 1},
         [(2, 2, 4), (2, 3, 3), (3,)]),
    ]
    return [spec(name, IGRAD, *_conv(nd, True, **kw)[:1], [real(*s) for s in shapes],
                 torch_fn=_conv(nd, True, **kw)[1], tags=ROUNDED_ONCE)
            for name, nd, kw, shapes in rows]


def _weight_grad_rows():
    rows = [
        ("conv2d_weight_grad", (3, 2), (2, 1), ((1, 1), (0, 0)), (1, 2), 1,
         [(2, 3, 6, 5), (2, 4, 3, 3)]),
        ("conv1d_weight_grad_groups", (3,), (1,), ((2, 2),), (2,), 2,
         [(2, 4, 7), (2, 6, 7)]),
    ]
    out = []
    for name, kernel, stride, pads, dilation, groups, shapes in rows:
        prim, theirs = _weight_grad(kernel, stride, pads, dilation, groups)
        out.append(spec(name, WGRAD, prim, [real(*s) for s in shapes], torch_fn=theirs,
                        tags=ROUNDED_ONCE))
    return out


def _pool_rows():
    def scatter_ref(x, g, kernel):
        free = x.detach().requires_grad_()
        y = TF.max_pool2d(free, kernel) if x.ndim == 4 else TF.max_pool1d(free, kernel)
        return torch.autograd.grad(y, free, g, create_graph=True)[0]

    def gather_ref(x, v, kernel):
        pool = TF.max_pool2d if x.ndim == 4 else TF.max_pool1d
        idx = pool(x, kernel, return_indices=True)[1]
        return v.flatten(2).gather(2, idx.flatten(2)).view_as(idx)

    return [
        spec("max_pool2d_blocks_cropped", BLOCKS[0], lambda x: F.max_pool2d(x, 2),
             [_distinct(2, 3, 5, 6)], torch_fn=lambda x: TF.max_pool2d(x, 2)),
        spec("max_pool2d_blocks_rectangular", BLOCKS[0],
             lambda x: F.max_pool2d(x, (2, 3), ceil_mode=True), [_distinct(1, 2, 4, 6)],
             torch_fn=lambda x: TF.max_pool2d(x, (2, 3), ceil_mode=True)),
        spec("max_pool1d_blocks", BLOCKS[0], lambda x: F.max_pool1d(x, 3, stride=3),
             [_distinct(2, 2, 10)], torch_fn=lambda x: TF.max_pool1d(x, 3)),
        spec("block_max_scatter_2d", BLOCKS[1], BlockMaxScatter((2, 2)),
             [_distinct(2, 2, 5, 4), real(2, 2, 2, 2)],
             torch_fn=lambda x, g: scatter_ref(x, g, 2)),
        spec("block_max_scatter_1d", BLOCKS[1], BlockMaxScatter((3,)),
             [_distinct(2, 3, 9), real(2, 3, 3)], torch_fn=lambda x, g: scatter_ref(x, g, 3)),
        spec("block_max_gather_2d", BLOCKS[2], BlockMaxGather((2, 3)),
             [_distinct(2, 2, 4, 7), real(2, 2, 4, 7)],
             torch_fn=lambda x, v: gather_ref(x, v, (2, 3))),
    ]


SPECS = _conv_rows() + _transposed_rows() + _weight_grad_rows() + _pool_rows()
