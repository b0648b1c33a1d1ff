"""Converters of the shape primitives (reshape, permute, broadcast, concatenation), indexing
(basic keys as Slice/Squeeze/Unsqueeze, one index array as Gather, gather as GatherElements)
and Cast. Shapes are written so that a batch dimension left dynamic keeps working: a reshape
copies the leading dims it keeps (0) and infers the first one it changes (-1), an expand names
only the dims it grows."""
from __future__ import annotations

import numpy as np
from onnx import helper

from .table import converts


def reshape_target(before: tuple[int, ...], after: tuple[int, ...]) -> list[int]:
    """ONNX Reshape's shape for before -> after: 0 (copy the input's dim) over the common
    leading dims, then -1 for the first dim that differs, the rest as they are."""
    target = list(after)
    k = 0
    while k < min(len(before), len(after)) and before[k] == after[k]:
        target[k] = 0
        k += 1
    if k < len(after) and 0 not in after:
        target[k] = -1
    return target


@converts("Reshape")
def reshape(g, prim, ins, xs, out):
    """Only unit dims added or removed: Squeeze then Unsqueeze (every other dim, the batch
    among them, keeps its size); else Reshape to reshape_target."""
    before, after = xs[0].shape, out.shape
    if before != after and [n for n in before if n != 1] == [n for n in after if n != 1]:
        y = ins[0]
        if 1 in before:
            y = g.node("Squeeze", [y, g.ints(i for i, n in enumerate(before) if n == 1)])
        if 1 in after:
            y = g.node("Unsqueeze", [y, g.ints(i for i, n in enumerate(after) if n == 1)])
        return y
    return g.node("Reshape", [ins[0], g.ints(reshape_target(before, after))])


@converts("Permute")
def permute(g, prim, ins, xs, out):
    return g.node("Transpose", ins, perm=[int(a) for a in prim.axes])


@converts("BroadcastTo")
def broadcast_to(g, prim, ins, xs, out):
    """Expand to the dims that grow; an elementwise consumer reads the unexpanded input and
    broadcasts itself (the export's look-through), so a batch dim stays dynamic there."""
    shape, before = out.shape, xs[0].shape
    lead = len(shape) - len(before)
    target = list(shape[:lead]) + [1 if b == a else a for b, a in zip(before, shape[lead:])]
    return g.node("Expand", [ins[0], g.ints(target)])


@converts("Cat")
def cat(g, prim, ins, xs, out):
    return g.node("Concat", ins, axis=int(prim.axis))


@converts("Cast")
def cast(g, prim, ins, xs, out):
    return g.node("Cast", ins, to=helper.np_dtype_to_tensor_dtype(out._data.dtype))


@converts("Gather")
def gather(g, prim, ins, xs, out):
    return g.node("GatherElements", ins, axis=int(prim.dim))


@converts("Getitem")
def getitem(g, prim, ins, xs, out):
    """x[key]: one Slice for the slices and ints (an int as its one-element slice, squeezed
    after), Unsqueeze for None, or Gather for a key with one index array and full slices."""
    shape = xs[0].shape
    key = _expand_ellipsis(prim.key, len(shape))
    arrays = [i for i, k in enumerate(key) if isinstance(k, np.ndarray)]
    if arrays:
        return _gather_key(g, key, arrays, ins[0])
    starts, ends, axes, steps, squeeze, unsqueeze = [], [], [], [], [], []
    dim = 0
    for k in key:
        if k is None:
            unsqueeze.append(dim - len(squeeze) + len(unsqueeze))
            continue
        if isinstance(k, slice):
            if k != slice(None):
                start, stop, step = k.indices(shape[dim])
                if step < 0:
                    raise NotImplementedError("onnx.export: Getitem with a negative step")
                starts.append(start), ends.append(max(stop, start)), steps.append(step)
                axes.append(dim)
        else:  # an int: its one-element slice, squeezed afterwards
            starts.append(int(k)), ends.append(int(k) + 1), steps.append(1), axes.append(dim)
            squeeze.append(dim)
        dim += 1
    y = ins[0]
    if axes:
        y = g.node("Slice", [y, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    if squeeze:
        y = g.node("Squeeze", [y, g.ints(squeeze)])
    if unsqueeze:
        y = g.node("Unsqueeze", [y, g.ints(unsqueeze)])
    return y if y != ins[0] else g.node("Identity", [y])


def _expand_ellipsis(key: tuple, ndim: int) -> tuple:
    # by identity: `in` and index() would compare the index arrays elementwise
    at = [i for i, k in enumerate(key) if k is Ellipsis]
    if not at:
        return key
    used = sum(1 for k in key if k is not None and k is not Ellipsis)
    i = at[0]
    return key[:i] + (slice(None),) * (ndim - used) + key[i + 1:]


def _gather_key(g, key: tuple, arrays: list[int], x: str) -> str:
    """A key of full slices and one index array: Gather along that dim (the indices are
    constants of the trace, already made non-negative by normalize_key)."""
    if len(arrays) > 1 or any(not isinstance(k, slice) or k != slice(None)
                              for i, k in enumerate(key) if i not in arrays):
        raise NotImplementedError("onnx.export: Getitem with several index arrays, or an index "
                                  "array mixed with ints, None or partial slices")
    axis = arrays[0]
    return g.node("Gather", [x, g.const(key[axis], np.int64)], axis=axis)


@converts("AsStrided")
def as_strided(g, prim, ins, xs, out):
    """Windows of row-major x (pooling's view): the leading dims that walk x as its own layout
    does stay dims (and dynamic), the rest is one Gather from each flattened row with the
    element indices offset + sum_k i_k stride_k."""
    shape = xs[0].shape
    rows = [int(np.prod(shape[i + 1:])) for i in range(len(shape))]  # row-major strides
    p = 0
    while (p < min(len(shape), len(prim.size)) and prim.size[p] == shape[p]
           and prim.stride[p] == rows[p]):
        p += 1
    row = int(np.prod(shape[p:]))
    index = np.full(prim.size[p:], prim.offset, dtype=np.int64)
    for k, (n, s) in enumerate(zip(prim.size[p:], prim.stride[p:])):
        index += (np.arange(n, dtype=np.int64) * s).reshape((-1,) + (1,) * (index.ndim - k - 1))
    if index.size and (index.min() < 0 or index.max() >= row):
        raise NotImplementedError(f"onnx.export: AsStrided(size={prim.size}, "
                                  f"stride={prim.stride}) reads across x's leading dims")
    flat = g.node("Reshape", [ins[0], g.ints([0] * p + [-1])])
    return g.node("Gather", [flat, g.const(index)], axis=p)


@converts("IndexAdd")
def index_add(g, prim, ins, xs, out):
    """zeros(shape) with x added at a key of unit-step slices (padding's form): Pad."""
    key = _expand_ellipsis(prim.key, len(prim.shape))
    if len(key) > len(prim.shape) or not all(isinstance(k, slice) for k in key):
        raise NotImplementedError("onnx.export: IndexAdd other than at a key of slices")
    key = key + (slice(None),) * (len(prim.shape) - len(key))
    bounds = [k.indices(n) for k, n in zip(key, prim.shape)]
    if any(step != 1 for _, _, step in bounds):
        raise NotImplementedError("onnx.export: IndexAdd at a strided slice")
    before = [start for start, _, _ in bounds]
    after = [n - stop for (_, stop, _), n in zip(bounds, prim.shape)]
    return g.node("Pad", [ins[0], g.ints(before + after)])
