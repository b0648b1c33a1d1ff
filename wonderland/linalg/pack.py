"""One array for a decomposition's several outputs. A primitive returns one array, so QR, eigh
and SVD return their factors flattened and joined along a last axis; unpack() cuts them apart
again with ops, so gradients flow into each factor's part and the vjp unpacks its cotangent the
same way."""
from __future__ import annotations

import math

from ..core.tensor import Tensor
from ..ops.join import cat


def pack_arrays(xp, batch: tuple[int, ...], *arrays):
    """The arrays (each batch + its own shape) flattened after the batch and joined."""
    return xp.concatenate([a.reshape(batch + (-1,)) for a in arrays], axis=-1)


def pack(batch: tuple[int, ...], *tensors: Tensor) -> Tensor:
    """pack_arrays on tensors (a jvp's packed tangent)."""
    return cat([t.reshape(batch + (-1,)) for t in tensors], -1)


def unpack(y: Tensor, shapes) -> list[Tensor]:
    """The tensors packed in y, given their shapes after the batch dimensions."""
    batch, start, out = y.shape[:-1], 0, []
    for shape in shapes:
        size = math.prod(shape)
        out.append(y[..., start:start + size].reshape(batch + tuple(shape)))
        start += size
    return out
