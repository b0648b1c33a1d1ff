"""embedding_bag: sums, means or maxima of bags of embedding rows without materialising the
per-token embeddings' sequence layout. Bags are the rows of a 2-D input or the slices of a 1-D
input between offsets; they are laid out as a padded (bags, longest bag) table of positions
(built in NumPy from the integer inputs), so the work is one gather and one reduction."""
from __future__ import annotations

import numpy as np

from .. import ops
from ..core import dtype as dt
from ..core.tensor import Tensor
from .linear import check_lookup, embedding

__all__ = ["embedding_bag"]

MODES = ("sum", "mean", "max")


def _bags(name: str, input: Tensor, offsets: Tensor | None,  # noqa: A002
          include_last_offset: bool) -> tuple[np.ndarray, np.ndarray]:
    """The (bags, longest) table of positions into the flattened input, and which are real."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{name}: offsets must be None for a 2-D input (each row is a "
                             f"bag), got offsets of shape {offsets.shape}")
        b, n = input.shape
        return np.arange(b * n).reshape(b, n), np.ones((b, n), dtype=bool)
    if input.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D input with offsets or a 2-D input (bags, "
                         f"length), got shape {input.shape}")
    if offsets is None or offsets.ndim != 1:
        got = None if offsets is None else offsets.shape
        raise ValueError(f"{name}: a 1-D input needs 1-D offsets (where each bag starts), got "
                         f"{got}")
    total = input.shape[0]
    off = offsets._values().astype(np.int64)
    if include_last_offset and off.size == 0:
        raise ValueError(f"{name}: include_last_offset needs at least one offset")
    if off.size and off[0] != 0:
        raise ValueError(f"{name}: offsets[0] has to be 0, i.e., the first sequence in the "
                         f"mini-batch has to start from position 0. However, got {off[0]}")
    if off.size and off[-1] > total:
        raise ValueError(f"{name}: offsets[-1] can not be greater than input's length {total} "
                         f"but got offsets[-1] of {off[-1]}")
    if np.any(np.diff(off) < 0):
        raise ValueError(f"{name}: offsets must be non-decreasing, got {off.tolist()}")
    bounds = off if include_last_offset else np.append(off, total)
    starts, lengths = bounds[:-1], np.diff(bounds)
    width = max(int(lengths.max(initial=0)), 1)
    real = np.arange(width) < lengths[:, None]
    return np.where(real, starts[:, None] + np.arange(width), 0), real


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,  # noqa: A002
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """(bags, embedding_dim): per bag, the sum, mean or (elementwise) max of its rows of
    weight, entries equal to padding_idx left out (and out of the mean's count); an empty bag
    gives zeros. per_sample_weights (mode 'sum' only) scale each entry's row;
    scale_grad_by_freq divides each row's gradient by its count in the input (as documented
    and as torch.nn.Embedding does; PyTorch 2.13's CPU embedding_bag divides some rows by
    another row's count, pytorch/pytorch#190063). `sparse` is
    accepted for PyTorch's signature (the gradient is dense); max_norm is not supported."""
    name = "embedding_bag"
    if mode not in MODES:
        raise ValueError(f"{name}: mode must be one of {MODES}, got {mode!r}")
    if scale_grad_by_freq and mode == "max":
        raise ValueError(f"{name}: max mode does not support scaling the gradient by the "
                         f"frequency")
    if max_norm is not None:
        raise NotImplementedError(f"{name}: max_norm (renormalising weight rows in place) is "
                                  f"not supported")
    check_lookup(name, input, weight)
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"{name}: per_sample_weights was not None. "
                                      f"per_sample_weights is only supported for mode='sum' "
                                      f"(got mode='{mode}')")
        if per_sample_weights.shape != input.shape:
            raise ValueError(f"{name}: per_sample_weights must have the input's shape "
                             f"{input.shape}, got {per_sample_weights.shape}")
    num, dim = weight.shape
    table, real = _bags(name, input, offsets, include_last_offset)
    flat = input._values().reshape(-1).astype(np.int64)
    if flat.size == 0:  # every bag is empty
        return ops.zeros(table.shape[0], dim, dtype=weight.dtype, device=weight.device)
    ids = flat[table]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"{name}: padding_idx {padding_idx} is out of range for {num} "
                             f"embeddings")
        real = real & (ids != padding_idx % num)
    rows = embedding(ops.tensor(ids, device=weight.device), weight)  # (bags, longest, dim)
    if scale_grad_by_freq:  # the value stays, the gradient is divided by the count
        freq = np.bincount(flat, minlength=num)[ids][..., None]
        scaled = rows / ops.tensor(freq.astype(np.float64), dtype=rows.dtype, device=rows.device)
        rows = scaled + (rows - scaled).detach()
    if per_sample_weights is not None:
        at = ops.tensor(table.reshape(-1), dtype=dt.int64, device=weight.device)
        w = per_sample_weights.reshape(-1).index_select(0, at).reshape(*table.shape, 1)
        rows = rows * ops.cast(w, rows.dtype)
    mask = ops.tensor(real[..., None], device=weight.device)
    count = real.sum(axis=1, keepdims=True)
    if mode == "max":
        top, _ = ops.where(mask, rows, float("-inf")).max(dim=1)  # gradient to the first max
        return ops.where(ops.tensor(count > 0, device=weight.device), top, 0.0)
    total = ops.where(mask, rows, 0.0).sum(1)
    if mode == "sum":
        return total
    return total / ops.tensor(np.maximum(count, 1), dtype=total.dtype, device=total.device)
