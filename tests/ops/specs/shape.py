"""Op-spec rows: reshape, permute, broadcast, cat and the shape functions built on them
(squeeze, split, roll, repeat, pad ...), and strided views (as_strided, unfold)."""
import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812  (the usual name)

import wonderland as wl

from ..spec import real, spec

S = (3, 4)
S3 = (2, 3, 4)


def joined(cat, pieces, dim=0):
    """Pieces scaled by their position and joined in reverse order by `cat` (wl.cat,
    np.concatenate, torch.cat): one tensor that shows each piece's content, size and place."""
    return cat([p * (i + 1) for i, p in enumerate(pieces)][::-1], dim)


def np_pad(x, widths, mode="constant", value=None):
    """NumPy reference for PyTorch-style pads (pairs from the last dimension backwards).
    Negative amounts crop: before padding for constant and circular, after padding for
    reflect and replicate (whose sources are the uncropped elements, as in PyTorch)."""
    pairs = [(0, 0)] * x.ndim
    for i in range(len(widths) // 2):
        pairs[x.ndim - 1 - i] = (widths[2 * i], widths[2 * i + 1])
    grow = [(max(lo, 0), max(hi, 0)) for lo, hi in pairs]
    modes = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
             "circular": "wrap"}
    kw = {"constant_values": value or 0.0} if mode == "constant" else {}
    if mode in ("reflect", "replicate"):
        x = np.pad(x, grow, mode=modes[mode])
        return x[tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(pairs, x.shape))]
    crop = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(pairs, x.shape))
    return np.pad(x[crop], grow, mode=modes[mode], **kw)


def pad_row(name, prims, shape, widths, mode="constant", value=0.0):
    value = value if mode == "constant" else None  # the other modes take none, as in torch
    return spec(name, prims, lambda x: wl.pad(x, widths, mode, value), [real(*shape)],
                lambda x: np_pad(x, widths, mode, value),
                lambda x: F.pad(x, widths, mode, value))


def strided_view(x, size, stride, offset=0):
    """NumPy reference for as_strided on a contiguous array (strides in elements)."""
    flat = np.ascontiguousarray(x).reshape(-1)[offset:]
    return np.lib.stride_tricks.as_strided(flat, size, [s * flat.itemsize for s in stride])


def strided_row(name, shape, size, stride, offset=0):
    return spec(name, ("AsStrided", "AsStridedAdd"),
                lambda x: wl.as_strided(x, size, stride, offset), [real(*shape)],
                lambda x: strided_view(x, size, stride, offset).copy(),
                lambda x: torch.as_strided(x, size, stride, offset))


def unfold_row(name, shape, dim, size, step):
    def np_unfold(x):
        d = dim % x.ndim
        windows = np.lib.stride_tricks.sliding_window_view(x, size, axis=d)
        return np.take(windows, np.arange(0, windows.shape[d], step), axis=d)

    return spec(name, ("AsStrided", "AsStridedAdd"), lambda x: x.unfold(dim, size, step),
                [real(*shape)], np_unfold, lambda x: x.unfold(dim, size, step))


def as_strided_vjp(x, g):
    """AsStridedAdd as a function of the cotangent g: the first derivative of as_strided,
    recorded so that the harness differentiates it again (its vjp and jvp rules)."""
    with wl.enable_grad():
        leaf = x.detach().requires_grad_()
        y = wl.as_strided(leaf, (4, 3), (2, 1))
        return wl.autograd.grad(y, leaf, grad_outputs=g, create_graph=True)[0]


def torch_as_strided_vjp(x, g):
    leaf = x.detach().requires_grad_()
    y = torch.as_strided(leaf, (4, 3), (2, 1))
    return torch.autograd.grad(y, leaf, grad_outputs=g, create_graph=True)[0]


def np_as_strided_vjp(x, g):
    out = np.zeros(x.size)
    pos = 2 * np.arange(4)[:, None] + np.arange(3)
    np.add.at(out, pos, g)
    return out.reshape(x.shape)


RESHAPE = [
    spec("reshape_infer", "Reshape", lambda x: x.reshape(4, -1), [real(*S3)],
         lambda x: x.reshape(4, -1), lambda x: x.reshape(4, -1)),
    spec("reshape_tuple", "Reshape", lambda x: wl.reshape(x, (3, 2, -1)), [real(*S3)],
         lambda x: x.reshape(3, 2, -1), lambda x: torch.reshape(x, (3, 2, -1))),
    spec("view_flat", "Reshape", lambda x: x.view(-1), [real(*S3)], lambda x: x.reshape(-1),
         lambda x: x.view(-1)),
    spec("squeeze_all", "Reshape", lambda x: x.squeeze(), [real(2, 1, 3, 1)],
         np.squeeze, torch.squeeze),
    spec("squeeze_dim", "Reshape", lambda x: wl.squeeze(x, 1), [real(2, 1, 3, 1)],
         lambda x: x.squeeze(1), lambda x: x.squeeze(1)),
    spec("squeeze_dim_neg", "Reshape", lambda x: x.squeeze(-1), [real(2, 1, 3, 1)],
         lambda x: x.squeeze(-1), lambda x: x.squeeze(-1)),
    spec("squeeze_dims_tuple", "Reshape", lambda x: x.squeeze((0, 1, 3)), [real(2, 1, 3, 1)],
         lambda x: x.squeeze((1, 3)), lambda x: x.squeeze((0, 1, 3))),
    spec("unsqueeze_front", "Reshape", lambda x: x.unsqueeze(0), [real(*S)],
         lambda x: x[None], lambda x: x.unsqueeze(0)),
    spec("unsqueeze_middle", "Reshape", lambda x: wl.unsqueeze(x, 1), [real(*S)],
         lambda x: x[:, None], lambda x: x.unsqueeze(1)),
    spec("unsqueeze_neg", "Reshape", lambda x: x.unsqueeze(-1), [real(*S)],
         lambda x: x[..., None], lambda x: x.unsqueeze(-1)),
    spec("flatten_all", "Reshape", lambda x: x.flatten(), [real(*S3)],
         lambda x: x.reshape(-1), torch.flatten),
    spec("flatten_from1", "Reshape", lambda x: wl.flatten(x, 1), [real(*S3)],
         lambda x: x.reshape(2, -1), lambda x: x.flatten(1)),
    spec("flatten_range", "Reshape", lambda x: x.flatten(0, -2), [real(*S3)],
         lambda x: x.reshape(-1, 4), lambda x: x.flatten(0, -2)),
    spec("unflatten_infer", "Reshape", lambda x: x.unflatten(1, (3, -1)), [real(2, 12)],
         lambda x: x.reshape(2, 3, 4), lambda x: x.unflatten(1, (3, -1))),
]

PERMUTE = [
    spec("permute_3d", "Permute", lambda x: x.permute(2, 0, 1), [real(*S3)],
         lambda x: x.transpose(2, 0, 1), lambda x: x.permute(2, 0, 1)),
    spec("permute_neg_list", "Permute", lambda x: wl.permute(x, [-1, -3, -2]), [real(*S3)],
         lambda x: x.transpose(2, 0, 1), lambda x: x.permute(-1, -3, -2)),
    spec("transpose_outer", "Permute", lambda x: x.transpose(0, 2), [real(*S3)],
         lambda x: x.swapaxes(0, 2), lambda x: x.transpose(0, 2)),
    spec("transpose_neg", "Permute", lambda x: wl.transpose(x, -1, -2), [real(*S3)],
         lambda x: x.swapaxes(-1, -2), lambda x: x.transpose(-1, -2)),
    spec("transpose_T", "Permute", lambda x: x.T, [real(*S)], lambda x: x.T, lambda x: x.T),
    spec("transpose_mT", "Permute", lambda x: x.mT, [real(*S3)], lambda x: x.swapaxes(-1, -2),
         lambda x: x.mT),
    spec("movedim_to_last", "Permute", lambda x: x.movedim(0, -1), [real(*S3)],
         lambda x: np.moveaxis(x, 0, -1), lambda x: x.movedim(0, -1)),
    spec("movedim_back", "Permute", lambda x: wl.movedim(x, 2, 1), [real(*S3)],
         lambda x: np.moveaxis(x, 2, 1), lambda x: torch.movedim(x, 2, 1)),
    spec("movedim_many", "Permute", lambda x: x.movedim((0, -1), (2, 0)), [real(*S3)],
         lambda x: np.moveaxis(x, (0, 2), (2, 0)), lambda x: x.movedim((0, -1), (2, 0))),
]

BROADCAST = [
    spec("expand_new_dims", "BroadcastTo", lambda x: x.expand(2, 3, 4), [real(3, 1)],
         lambda x: np.broadcast_to(x, (2, 3, 4)), lambda x: x.expand(2, 3, 4)),
    spec("expand_keep", "BroadcastTo", lambda x: wl.expand(x, (2, -1, 4)), [real(1, 3, 1)],
         lambda x: np.broadcast_to(x, (2, 3, 4)), lambda x: x.expand(2, -1, 4)),
    spec("broadcast_to_lead", "BroadcastTo", lambda x: wl.broadcast_to(x, (2, 3, 4)),
         [real(4)], lambda x: np.broadcast_to(x, (2, 3, 4)),
         lambda x: torch.broadcast_to(x, (2, 3, 4))),
    spec("broadcast_to_inner", "BroadcastTo", lambda x: x.broadcast_to((2, 3, 4)),
         [real(2, 1, 4)], lambda x: np.broadcast_to(x, (2, 3, 4)),
         lambda x: x.broadcast_to((2, 3, 4))),
]

CAT = [
    spec("cat_dim0", "Cat", lambda a, b, c: wl.cat([a, b, c]),
         [real(1, 3), real(2, 3), real(3, 3)], lambda a, b, c: np.concatenate([a, b, c]),
         lambda a, b, c: torch.cat([a, b, c])),
    spec("cat_dim1", "Cat", lambda a, b, c: wl.cat([a, b, c], 1),
         [real(2, 1), real(2, 3), real(2, 2)], lambda a, b, c: np.concatenate([a, b, c], 1),
         lambda a, b, c: torch.cat([a, b, c], 1)),
    spec("cat_middle_3d", "Cat", lambda a, b, c: wl.cat((a, b, c), dim=1),
         [real(2, 1, 3), real(2, 2, 3), real(2, 3, 3)],
         lambda a, b, c: np.concatenate([a, b, c], 1), lambda a, b, c: torch.cat([a, b, c], 1)),
    spec("cat_dim_neg", "Cat", lambda a, b, c: wl.concatenate([a, b, c], -1),
         [real(2, 2, 1), real(2, 2, 3), real(2, 2, 2)],
         lambda a, b, c: np.concatenate([a, b, c], -1),
         lambda a, b, c: torch.cat([a, b, c], -1)),
    spec("stack_dim0", "Cat", lambda a, b, c: wl.stack([a, b, c]),
         [real(*S), real(*S), real(*S)], lambda a, b, c: np.stack([a, b, c]),
         lambda a, b, c: torch.stack([a, b, c])),
    spec("stack_dim1", "Cat", lambda a, b, c: wl.stack([a, b, c], 1),
         [real(*S), real(*S), real(*S)], lambda a, b, c: np.stack([a, b, c], 1),
         lambda a, b, c: torch.stack([a, b, c], 1)),
    spec("stack_dim_neg", "Cat", lambda a, b: wl.stack([a, b], -1), [real(*S), real(*S)],
         lambda a, b: np.stack([a, b], -1), lambda a, b: torch.stack([a, b], -1)),
]

PIECES = [
    spec("split_int", "Cat", lambda x: joined(wl.cat, x.split(2, 1), 1), [real(2, 5)],
         lambda x: joined(np.concatenate, np.split(x, [2, 4], 1), 1),
         lambda x: joined(torch.cat, x.split(2, 1), 1)),
    spec("split_list", "Cat", lambda x: joined(wl.cat, wl.split(x, [1, 3, 1], -1), -1),
         [real(2, 5)], lambda x: joined(np.concatenate, np.split(x, [1, 4], -1), -1),
         lambda x: joined(torch.cat, torch.split(x, [1, 3, 1], -1), -1)),
    spec("chunk_even", "Cat", lambda x: joined(wl.cat, x.chunk(3, 0)), [real(6, 2)],
         lambda x: joined(np.concatenate, np.split(x, 3)),
         lambda x: joined(torch.cat, x.chunk(3, 0))),
    spec("chunk_uneven", "Cat", lambda x: joined(wl.cat, wl.chunk(x, 3, 1), 1), [real(2, 5)],
         lambda x: joined(np.concatenate, np.split(x, [2, 4], 1), 1),
         lambda x: joined(torch.cat, torch.chunk(x, 3, 1), 1)),
    spec("chunk_fewer", "Cat", lambda x: joined(wl.cat, x.chunk(4, 1), 1), [real(2, 6)],
         lambda x: joined(np.concatenate, np.split(x, 3, 1), 1),
         lambda x: joined(torch.cat, x.chunk(4, 1), 1)),
    spec("unbind_dim1", "Cat", lambda x: joined(wl.cat, x.unbind(1)), [real(*S3)],
         lambda x: joined(np.concatenate, [x[:, i] for i in range(3)]),
         lambda x: joined(torch.cat, x.unbind(1))),
    spec("narrow_dim1", "Getitem", lambda x: x.narrow(1, 1, 2), [real(*S3)],
         lambda x: x[:, 1:3], lambda x: x.narrow(1, 1, 2)),
    spec("narrow_neg_dim", "Getitem", lambda x: wl.narrow(x, -1, 0, 3), [real(*S3)],
         lambda x: x[..., :3], lambda x: x.narrow(-1, 0, 3)),
    spec("narrow_neg_start", "Getitem", lambda x: x.narrow(2, -3, 2), [real(*S3)],
         lambda x: x[..., 1:3], lambda x: x.narrow(2, -3, 2)),
]

REARRANGE = [
    spec("flip_dim", "Getitem", lambda x: x.flip(0), [real(*S3)], lambda x: np.flip(x, 0),
         lambda x: x.flip(0)),
    spec("flip_dims", "Getitem", lambda x: wl.flip(x, (0, -1)), [real(*S3)],
         lambda x: np.flip(x, (0, 2)), lambda x: torch.flip(x, (0, -1))),
    spec("roll_flat", ("Reshape", "Cat"), lambda x: x.roll(5), [real(*S)],
         lambda x: np.roll(x, 5), lambda x: x.roll(5)),
    spec("roll_flat_neg", ("Reshape", "Cat"), lambda x: wl.roll(x, -3), [real(*S)],
         lambda x: np.roll(x, -3), lambda x: torch.roll(x, -3)),
    spec("roll_dim", "Cat", lambda x: x.roll(1, 1), [real(*S3)], lambda x: np.roll(x, 1, 1),
         lambda x: x.roll(1, 1)),
    spec("roll_dims_neg", "Cat", lambda x: x.roll((-1, 6), (-1, 0)), [real(*S3)],
         lambda x: np.roll(x, (-1, 6), (-1, 0)), lambda x: x.roll((-1, 6), (-1, 0))),
    spec("repeat_new_dims", ("Reshape", "BroadcastTo"), lambda x: x.repeat(2, 1, 3), [real(2, 3)],
         lambda x: np.tile(x, (2, 1, 3)), lambda x: x.repeat(2, 1, 3)),
    spec("repeat_same_ndim", ("Reshape", "BroadcastTo"), lambda x: wl.repeat(x, (2, 2)),
         [real(2, 3)], lambda x: np.tile(x, (2, 2)), lambda x: x.repeat(2, 2)),
    spec("tile_short", ("Reshape", "BroadcastTo"), lambda x: x.tile((2,)), [real(2, 3)],
         lambda x: np.tile(x, 2), lambda x: x.tile((2,))),
    spec("tile_more_dims", ("Reshape", "BroadcastTo"), lambda x: wl.tile(x, (2, 1, 2)),
         [real(2, 3)], lambda x: np.tile(x, (2, 1, 2)), lambda x: torch.tile(x, (2, 1, 2))),
    spec("repeat_interleave_dim", ("Reshape", "BroadcastTo"),
         lambda x: x.repeat_interleave(2, 1), [real(2, 3)], lambda x: np.repeat(x, 2, 1),
         lambda x: x.repeat_interleave(2, 1)),
    spec("repeat_interleave_dim0", ("Reshape", "BroadcastTo"),
         lambda x: x.repeat_interleave(3, dim=0), [real(2, 3)], lambda x: np.repeat(x, 3, 0),
         lambda x: x.repeat_interleave(3, dim=0)),
    spec("repeat_interleave_flat", ("Reshape", "BroadcastTo"),
         lambda x: wl.repeat_interleave(x, 2), [real(2, 3)], lambda x: np.repeat(x, 2),
         lambda x: torch.repeat_interleave(x, 2)),
    spec("tril_diag0", "Where", lambda x: x.tril(), [real(*S3)], np.tril, torch.tril),
    spec("tril_diag_neg1", "Where", lambda x: wl.tril(x, -1), [real(*S3)],
         lambda x: np.tril(x, -1), lambda x: torch.tril(x, -1)),
    spec("tril_diag2", "Where", lambda x: x.tril(2), [real(*S3)], lambda x: np.tril(x, 2),
         lambda x: x.tril(2)),
    spec("triu_diag0", "Where", lambda x: x.triu(), [real(*S3)], np.triu, torch.triu),
    spec("triu_diag1", "Where", lambda x: wl.triu(x, 1), [real(*S3)],
         lambda x: np.triu(x, 1), lambda x: torch.triu(x, 1)),
    spec("triu_diag_neg2", "Where", lambda x: x.triu(-2), [real(*S)], lambda x: np.triu(x, -2),
         lambda x: x.triu(-2)),
]

PAD = [
    pad_row("pad_constant_last", "IndexAdd", S3, (1, 2)),
    pad_row("pad_constant_value", "IndexAdd", S3, (1, 0, 2, 1), value=1.5),
    pad_row("pad_constant_all_dims", "IndexAdd", S3, (1, 1, 0, 1, 1, 0), value=-0.5),
    pad_row("pad_constant_crop", "Getitem", S3, (-1, -1, 0, -1)),
    pad_row("pad_constant_crop_and_pad", ("Getitem", "IndexAdd"), S3, (-1, 2, 1, -2),
            value=2.0),
    pad_row("pad_reflect_last", "Getitem", S3, (2, 1), "reflect"),
    pad_row("pad_reflect_2d", "Getitem", S3, (1, 3, 2, 1), "reflect"),
    pad_row("pad_replicate_last", "Getitem", S3, (2, 3), "replicate"),
    pad_row("pad_replicate_2d", "Getitem", S3, (1, 2, 2, 1), "replicate"),
    pad_row("pad_circular_last", "Getitem", S3, (1, 4), "circular"),
    pad_row("pad_circular_2d", "Getitem", S3, (2, 1, 1, 3), "circular"),
    # negative amounts crop; reflection still reads the cropped elements, as in PyTorch
    pad_row("pad_reflect_crop", "Getitem", S3, (-1, 3, 2, -1), "reflect"),
    pad_row("pad_replicate_crop", "Getitem", S3, (2, -1, -1, 1), "replicate"),
    pad_row("pad_circular_crop", "Getitem", S3, (-1, 2, 1, -1), "circular"),
]

STRIDED = [
    strided_row("as_strided_windows", (12,), (4, 3), (2, 1)),
    strided_row("as_strided_offset_2d", S, (3, 3), (3, 1), 2),
    strided_row("as_strided_stride0", (6,), (2, 3, 2), (0, 2, 1)),
    strided_row("as_strided_transposed", S, (2, 4, 2), (1, 2, 4)),
    spec("as_strided_vjp", ("AsStridedAdd", "AsStrided"), as_strided_vjp,
         [real(12), real(4, 3)], np_as_strided_vjp, torch_as_strided_vjp, wrt=(1,)),
    unfold_row("unfold_overlap", (2, 9), 1, 3, 2),
    unfold_row("unfold_disjoint", (2, 8), -1, 4, 4),
    unfold_row("unfold_dim0", S3, 0, 2, 1),
    unfold_row("unfold_middle", S3, 1, 2, 1),
    spec("unfold_scalar", "AsStrided", lambda x: x.sum().unfold(0, 1, 1), [real(3)],
         lambda x: x.sum(keepdims=True), lambda x: x.sum().unfold(0, 1, 1)),
]

SPECS = RESHAPE + PERMUTE + BROADCAST + CAT + PIECES + REARRANGE + PAD + STRIDED
