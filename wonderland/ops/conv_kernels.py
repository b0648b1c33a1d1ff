"""Convolution kernels on raw arrays (NumPy or CuPy through `xp`), the forward passes of the
conv primitives. im2col runs over chunks of the batch: each chunk's columns are copied into a
small reused buffer (no page faults, warm in cache) and multiplied in one matrix product per
group, with the examples of the chunk side by side in the columns. The chunks are independent,
so the CPU's threads take them in turn (backend/threads.py), each with its own buffer.

Geometry: `pads` are (before, after) per spatial dimension and may be negative (a crop); the
"frame" is the padded input, whose windows start every `stride` and read every `dilation`."""
from __future__ import annotations

import itertools
import math

from ..backend.threads import parallel_for

# one chunk's columns: within the shared L3, so that the copy and the product that reads it
# meet in cache; measured on 2 threads against 512 KiB and 8 MiB chunks (8 MiB ran the
# 16-filter convolutions 1.5x slower; 512 KiB the input gradient 2x slower: too many products)
CHUNK_BYTES = 2 << 20
# stride-1 input gradients of frames this many times their output (padded 7x7 images and
# smaller) run as a forward convolution of g: 13 against 16 ms on 128 x 64 x 7 x 7, one thread
SMALL_FRAME = 1.5


def frame_size(size, pads) -> tuple[int, ...]:
    return tuple(n + lo + hi for n, (lo, hi) in zip(size, pads))


def out_size(frame, kernel, stride, dilation) -> tuple[int, ...]:
    """Windows per spatial dimension (the frame must hold at least one)."""
    return tuple((f - d * (k - 1) - 1) // s + 1
                 for f, k, s, d in zip(frame, kernel, stride, dilation))


def _inner(pads, size) -> tuple[slice, ...]:
    """Where the kept part of the input lies in the frame, and which part of it is kept."""
    in_frame = tuple(slice(max(lo, 0), max(lo, 0) + n - max(-lo, 0) - max(-hi, 0))
                     for n, (lo, hi) in zip(size, pads))
    in_input = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for n, (lo, hi) in zip(size, pads))
    return in_frame, in_input


def to_frame(xp, x, pads):
    """x zero-padded (or cropped) by pads in its trailing dimensions."""
    if not any(lo or hi for lo, hi in pads):
        return x
    lead = x.shape[:x.ndim - len(pads)]
    in_frame, in_input = _inner(pads, x.shape[len(lead):])
    keep = (slice(None),) * len(lead)
    if all(lo >= 0 and hi >= 0 for lo, hi in pads):
        f = xp.zeros(lead + frame_size(x.shape[len(lead):], pads), dtype=x.dtype)
        f[keep + in_frame] = x
        return f
    return to_frame(xp, x[keep + in_input], [(max(lo, 0), max(hi, 0)) for lo, hi in pads])


def from_frame(xp, f, pads, size):
    """The adjoint of to_frame: the frame cropped back to `size` (zeros where it was cut)."""
    if not any(lo or hi for lo, hi in pads):
        return f
    lead = f.shape[:f.ndim - len(pads)]
    in_frame, in_input = _inner(pads, size)
    keep = (slice(None),) * len(lead)
    if all(lo >= 0 and hi >= 0 for lo, hi in pads):
        return f[keep + in_frame]
    x = xp.zeros(lead + tuple(size), dtype=f.dtype)
    x[keep + in_input] = f[keep + in_frame]
    return x


def _windows(xp, f, groups, kernel, stride, dilation, out):
    """f's sliding windows as a (groups, C/groups, *kernel, N, *out) view (any memory layout)."""
    n, c = f.shape[:2]
    sn, sc, *sp = f.strides
    cg = c // groups
    return xp.lib.stride_tricks.as_strided(
        f, (groups, cg, *kernel, n, *out),
        (sc * cg, sc, *[s * d for s, d in zip(sp, dilation)], sn,
         *[s * st for s, st in zip(sp, stride)]))


def _check_out(g, frame, kernel, stride, dilation) -> None:
    """g must have one value per window (the primitives are internal: a mismatch is a bug)."""
    want = out_size(frame, kernel, stride, dilation)
    if tuple(g.shape[2:]) != want:
        raise ValueError(f"conv: a cotangent of shape {g.shape} for {want} windows")


def _chunks(n: int, per_example: int, itemsize: int):
    """Slices of the batch whose columns hold about CHUNK_BYTES."""
    step = max(1, min(n, CHUNK_BYTES // max(per_example * itemsize, 1)))
    return [slice(i, min(i + step, n)) for i in range(0, n, step)]


class _Buffers:
    """One scratch array per worker thread, made on its first use."""

    def __init__(self, xp, size: int, dtype, zeroed: bool = False) -> None:
        self.make = lambda: (xp.zeros if zeroed else xp.empty)(size, dtype=dtype)
        self.arrays: dict[int, object] = {}

    def __getitem__(self, worker: int):
        if worker not in self.arrays:
            self.arrays[worker] = self.make()
        return self.arrays[worker]


class _Columns:
    """im2col of a frame, one batch chunk at a time, into a reused buffer per worker."""

    def __init__(self, xp, f, groups, kernel, stride, dilation, out):
        self.view = _windows(xp, f, groups, kernel, stride, dilation, out)
        self.nd = len(kernel)
        self.ck = self.view.shape[1] * math.prod(kernel)  # rows per group
        self.per_example = groups * self.ck * math.prod(out)
        self.chunks = _chunks(f.shape[0], self.per_example, f.itemsize)
        longest = max((c.stop - c.start for c in self.chunks), default=0)
        self.buffers = _Buffers(xp, self.per_example * longest, f.dtype)

    def __call__(self, chunk: slice, worker: int):
        """The chunk's columns, (groups, C/groups * prod(kernel), examples * prod(out))."""
        part = self.view[(slice(None),) * (2 + self.nd) + (chunk,)]
        cols = self.buffers[worker][:part.size].reshape(part.shape)
        cols[...] = part
        return cols.reshape(part.shape[0], self.ck, -1)


def _grouped(a, groups: int, chunk: slice):
    """(N, C, *spatial)[chunk] as (groups, C/groups, examples * prod(spatial)) (a view when a's
    layout allows, as for the channels-first outputs below)."""
    part = a[chunk].swapaxes(0, 1)
    return part.reshape(groups, part.shape[0] // groups, -1)


def conv_forward(xp, x, w, b, stride, pads, dilation, groups: int):
    """y[n, o] = sum_{c, k} w[o, c, k] frame(x)[n, g c, s*i + d*k] (+ b[o]), as (N, O, *out)."""
    f = to_frame(xp, x, pads)
    o, kernel = w.shape[0], w.shape[2:]
    out = out_size(f.shape[2:], kernel, stride, dilation)
    columns = _Columns(xp, f, groups, kernel, stride, dilation, out)
    w3 = w.reshape(groups, o // groups, columns.ck)
    y = xp.empty((o, f.shape[0], math.prod(out)), dtype=xp.result_type(x, w))

    def work(chunk, worker):
        part = y[:, chunk].reshape(groups, o // groups, -1)  # a view: y is channels-first
        xp.matmul(w3, columns(chunk, worker), out=part)
        if b is not None:
            part += b.reshape(groups, o // groups, 1)

    parallel_for(columns.chunks, work)
    # channels-first memory seen as (N, O, *out): no transposing copy
    return y.reshape((o, f.shape[0]) + out).swapaxes(0, 1)


def conv_weight_grad(xp, x, g, kernel, stride, pads, dilation, groups: int):
    """dw[o, c, k] = sum_{n, i} g[n, o, i] frame(x)[n, g c, s*i + d*k]: the weight's gradient."""
    f = to_frame(xp, x, pads)
    o, out = g.shape[1], g.shape[2:]
    _check_out(g, f.shape[2:], kernel, stride, dilation)
    columns = _Columns(xp, f, groups, kernel, stride, dilation, out)
    shape = (groups, o // groups, columns.ck)
    sums = _Buffers(xp, math.prod(shape), xp.result_type(x, g), zeroed=True)  # one per worker

    def work(chunk, worker):
        dw = sums[worker].reshape(shape)
        dw += xp.matmul(_grouped(g, groups, chunk), columns(chunk, worker).swapaxes(1, 2))

    parallel_for(columns.chunks, work)
    dw = sum(sums.arrays.values()) if sums.arrays else sums[0]
    return dw.reshape((o, columns.ck // math.prod(kernel)) + tuple(kernel))


def conv_input_grad(xp, w, g, size, stride, pads, dilation, groups: int):
    """dx = the adjoint of conv_forward in x applied to g: every window's column of w^T g
    added back where it was read (col2im), then the frame cropped to `size`."""
    if all(s == 1 for s in stride):
        fsize = frame_size(size, pads)
        if math.prod(fsize) >= SMALL_FRAME * math.prod(g.shape[2:]):
            return _input_grad_as_conv(xp, w, g, pads, dilation, groups)
        return _input_grad_dense(xp, w, g, size, pads, dilation, groups)
    n, o, out = g.shape[0], g.shape[1], g.shape[2:]
    c, kernel = w.shape[1] * groups, w.shape[2:]
    f = xp.zeros((n, c) + frame_size(size, pads), dtype=xp.result_type(w, g))
    _check_out(g, f.shape[2:], kernel, stride, dilation)
    view = _windows(xp, f, groups, kernel, stride, dilation, out)
    wt = w.reshape(groups, o // groups, -1).swapaxes(1, 2)
    per_example = c * math.prod(kernel) * math.prod(out)

    def work(chunk, worker):  # each chunk adds into its own examples' frames
        part = view[(slice(None),) * (2 + len(kernel)) + (chunk,)]
        cols = xp.matmul(wt, _grouped(g, groups, chunk)).reshape(part.shape)
        for tap in itertools.product(*map(range, kernel)):  # taps of one window never overlap
            part[(slice(None), slice(None)) + tap] += cols[(slice(None), slice(None)) + tap]

    parallel_for(_chunks(n, per_example, f.itemsize), work)
    return from_frame(xp, f, pads, size)


def _input_grad_as_conv(xp, w, g, pads, dilation, groups: int):
    """conv_input_grad for stride 1 as a forward convolution of g: with each group's weight
    transposed (in and out channels swapped) and flipped in space, and g padded by the kernel's
    reach less the original padding. Its GEMM covers only the input's pixels, where the dense
    form's covers the frame's (2.25x as many for a padded 4x4 image)."""
    o, cg, kernel = w.shape[0], w.shape[1], w.shape[2:]
    flipped = w[(slice(None), slice(None)) + (slice(None, None, -1),) * len(kernel)]
    wt = flipped.reshape((groups, o // groups, cg) + kernel).swapaxes(1, 2)
    wt = wt.reshape((groups * cg, o // groups) + kernel)
    reach = [d * (k - 1) for k, d in zip(kernel, dilation)]
    back = tuple((r - lo, r - hi) for r, (lo, hi) in zip(reach, pads))
    return conv_forward(xp, g, wt, None, (1,) * len(kernel), back, dilation, groups)


def _input_grad_dense(xp, w, g, size, pads, dilation, groups: int):
    """conv_input_grad for stride 1, with col2im as long contiguous adds: g is spread over the
    whole frame grid (zeros outside the windows' corners), so that each tap's columns land on
    the channels-first frame at one flat offset. The matrix product grows by frame / out."""
    n, o, out = g.shape[0], g.shape[1], g.shape[2:]
    c, kernel = w.shape[1] * groups, w.shape[2:]
    fsize = frame_size(size, pads)
    _check_out(g, fsize, kernel, (1,) * len(kernel), dilation)
    grid = math.prod(fsize)
    f = xp.zeros((c, n) + fsize, dtype=xp.result_type(w, g))  # channels-first: rows of (N, grid)
    wt = w.reshape(groups, o // groups, -1).swapaxes(1, 2)
    chunks = _chunks(n, c * math.prod(kernel) * grid, f.itemsize)
    longest = chunks[0].stop if chunks else 0
    spreads = _Buffers(xp, o * longest * grid, g.dtype, zeroed=True)  # zero off the corners
    products = _Buffers(xp, c * math.prod(kernel) * longest * grid, f.dtype)
    corner = (slice(None), slice(None)) + tuple(slice(0, m) for m in out)
    offsets = [sum(i * d * math.prod(fsize[a + 1:]) for a, (i, d) in enumerate(zip(tap, dilation)))
               for tap in itertools.product(*map(range, kernel))]

    def work(chunk, worker):  # each chunk adds into its own examples' frames
        m = chunk.stop - chunk.start
        spread = spreads[worker][:o * m * grid].reshape((o, m) + fsize)
        spread[corner] = g[chunk].swapaxes(0, 1)
        cols = products[worker][:c * len(offsets) * m * grid]
        xp.matmul(wt, spread.reshape(groups, o // groups, -1),
                  out=cols.reshape(groups, c // groups * len(offsets), -1))
        cols = cols.reshape(c, len(offsets), -1)
        rows = f[:, chunk].reshape(c, -1)  # a view: whole frames of the chunk's examples
        for k, off in enumerate(offsets):  # beyond a frame's end the columns are zero
            rows[:, off:] += cols[:, k, :rows.shape[1] - off]

    parallel_for(chunks, work)
    return from_frame(xp, f, pads, size).swapaxes(0, 1)
