"""When an optimizer may write a step into a tensor's array instead of allocating a new one.

An out-of-place update builds a new array for every parameter and moment: on large parameters
that costs fresh pages and several passes over memory per step. Writing in
place is unobservable exactly when nothing else can reach the array: no other tensor shares it,
no NumPy view or .numpy() result of it is alive, no tape node holds it. CPython's reference count
says so (NumPy itself reuses temporaries on the same test); when it is in doubt, the optimizer
takes the out-of-place path, which gives the same values."""
from __future__ import annotations

import sys

import numpy as np

from ..core.tensor import Tensor


def _references(t: Tensor) -> int:
    return sys.getrefcount(t._data)


# What _references reports for an array that only its tensor holds, measured rather than assumed
# (the count includes this module's own temporary references, which differ between versions).
_ALONE = _references(Tensor._make(np.zeros(1)))


def exclusive_arrays(*tensors: Tensor | None) -> list[np.ndarray | None] | None:
    """The arrays of tensors that may be written in place (None stays None), or None when one
    of them may not. One tensor kept under two names (AMSGrad's first v_max is v) counts as
    shared: its array's reference count cannot tell."""
    arrays = [None if t is None else exclusive_array(t) for t in tensors]
    held = [a for a in arrays if a is not None]
    if len(held) != sum(t is not None for t in tensors) or len({id(a) for a in held}) != len(held):
        return None
    return arrays


def exclusive_array(t: Tensor | None) -> np.ndarray | None:
    """t's NumPy array when writing into it cannot be seen through anything but t, else None."""
    if t is None or t._data.__class__ is not np.ndarray or _references(t) != _ALONE:
        return None
    a = t._data
    flags = a.flags
    if not (flags.owndata and flags.writeable and flags.c_contiguous):
        return None  # a view (of an array a user passed in, say) or read-only memory
    return a
