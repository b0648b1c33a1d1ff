"""Collation: a list of samples into one batch, stacking tensors, arrays and numbers into
wonderland tensors and recursing through tuples, lists and dicts."""
from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

import numpy as np

from ..core.tensor import Tensor
from ..ops.creation import from_numpy


def to_numpy(sample):
    """The same structure with every wonderland tensor replaced by a NumPy array (what worker
    processes send back)."""
    if isinstance(sample, Tensor):
        return np.asarray(sample.detach().numpy())
    if isinstance(sample, Mapping):
        return type(sample)({k: to_numpy(v) for k, v in sample.items()})
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(to_numpy(v) for v in sample))
    if isinstance(sample, (tuple, list)):
        return type(sample)(to_numpy(v) for v in sample)
    return sample


def default_collate(batch: Sequence):
    """Stack a list of samples into a batch with the samples' structure."""
    if len(batch) == 0:
        raise ValueError("cannot collate an empty batch")
    elem = batch[0]
    if isinstance(elem, (Tensor, np.ndarray, np.generic)):
        arrays = [np.asarray(b.detach().numpy() if isinstance(b, Tensor) else b) for b in batch]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise RuntimeError(f"default_collate: samples have different shapes {sorted(shapes)}; "
                               f"pad them or pass a collate_fn")
        return from_numpy(np.ascontiguousarray(np.stack(arrays)))
    if isinstance(elem, bool):
        return from_numpy(np.array(batch, dtype=np.bool_))
    if isinstance(elem, numbers.Integral):
        return from_numpy(np.array(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return from_numpy(np.array(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)) or elem is None:
        return list(batch)
    if isinstance(elem, Mapping):
        return type(elem)({k: default_collate([b[k] for b in batch]) for k in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, Sequence):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError("default_collate: each sequence in the batch must have equal size")
        out = [default_collate(list(s)) for s in zip(*batch)]
        return tuple(out) if isinstance(elem, tuple) else out
    raise TypeError(f"default_collate: cannot batch samples of type {type(elem).__name__}")
