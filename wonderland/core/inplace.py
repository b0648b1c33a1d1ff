"""In-place operations as PyTorch has them: version counters, and writing a result into a tensor.

An in-place op computes its result out of place, from a snapshot of the tensor (a copy of its
values that keeps its old tape node), writes the result into the tensor's own array, bumps the
version of that array's storage and rebases the tensor's history onto the new node.

A storage is the NumPy (or CuPy) array that owns the memory: every view of it shares its version
counter. Versions cost nothing until the first in-place op: before it every storage is at version
0 and bind() records none; afterwards each recorded node keeps the versions of its inputs and
output, and backward raises PyTorch's error when one has moved (autodiff/reverse.py)."""
from __future__ import annotations

import sys
import weakref

import numpy as np

from .grad_mode import is_grad_enabled, no_grad
from .tensor import Tensor

# Whether any in-place op ran in this process: until then no version is ever recorded.
_seen = False
# id(storage) -> its version, for storages written at least once (an entry leaves with its array).
_versions: dict[int, int] = {}

LEAF_ERROR = "a leaf Variable that requires grad is being used in an in-place operation."


def storage(a):
    """The array that owns a's memory (NumPy points a view's .base at it)."""
    base = a.base
    while base is not None and base.__class__ is a.__class__:
        a, base = base, base.base
    return a


def version(t: Tensor) -> int:
    """The version of the storage under t: how many in-place writes it has seen."""
    a = t._data
    return _versions.get(id(a if a.base is None else storage(a)), 0)


def _set_version(a, v: int) -> None:
    key = id(a)
    if key not in _versions:
        weakref.finalize(a, _versions.pop, key, None)
    _versions[key] = v


def bump(t: Tensor) -> None:
    """Count one in-place write into t's storage."""
    global _seen
    _seen = True
    root = storage(t._data)
    _set_version(root, _versions.get(id(root), 0) + 1)


def node_versions(xs, out: Tensor) -> tuple[int, ...]:
    """What bind() records on a node once in-place ops exist: its inputs' versions, then its
    output's."""
    get = _versions.get  # once per op on every recorded node: kept to lookups
    return tuple([get(id(a if a.base is None else storage(a)), 0)
                  for a in [x._data for x in xs] + [out._data]])


def check_versions(node, out: Tensor) -> None:
    """Raise PyTorch's error if a tensor that the node read (or made) has been written since."""
    tensors = (*node.inputs, out)
    for i, (t, expected) in enumerate(zip(tensors, node.versions)):
        now = version(t)
        if now != expected:
            role = f"input {i}" if i < len(node.inputs) else "output 0"
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{t.dtype.name} {list(t.shape)}], which is {role} of "
                f"[{node.prim.name}], is at version {now}; expected version {expected} instead. "
                f"Hint: compute the modified tensor out of place (x = x + y rather than x += y), "
                f"or clone() it before it is used in the graph.")


def _alone(a) -> int:
    return sys.getrefcount(a)


def _root_references(a) -> tuple:
    """The array owning a's memory and its reference count, both taken here, so that the count
    is measured the same way for the threshold below as for every tensor asked about."""
    root = storage(a)
    return root, _alone(root)


# The reference count of a storage that only one view holds (measured, as optim/in_place.py does):
# a primitive's output is often such a view, a reshape of the array its forward made.
_ALONE_VIEW = _root_references(np.zeros((2, 2))[0])[1]


def _view_of_other(t: Tensor) -> bool:
    """Whether t's array is a view of memory that something besides t's array may hold (another
    tensor, another view): writing through it would change a tensor whose history stays put."""
    root, references = _root_references(t._data)
    return root is not t._data and references > _ALONE_VIEW


def apply(name: str, x: Tensor, fn, *args) -> Tensor:
    """x.<name>(*args): write fn(x, *args) (computed out of place) into x, bump its version and
    rebase x's history onto the result's node. Returns x."""
    if x._vlevel is not None or x._tangents:
        raise RuntimeError(f"{name}: in-place operations are not supported inside vmap or jvp; "
                           f"use the out-of-place op")
    recording = is_grad_enabled() and (x._requires_grad or any(
        isinstance(a, Tensor) and a._requires_grad for a in args))
    if recording:
        if x._requires_grad and x._node is None:
            raise RuntimeError(LEAF_ERROR)
        if _view_of_other(x):
            raise RuntimeError(
                f"{name}: in-place on a view of another tensor while the graph is recorded is "
                f"not supported (PyTorch would rewrite the base's history, wonderland does not); "
                f"compute the base out of place instead, e.g. base = base.index_put(key, value) "
                f"for base[key] = value")
        old = Tensor._make(x._data.copy(), x._device)  # the old values, for the vjp rules
        old._node, old._requires_grad = x._node, x._requires_grad
        if _versions.get(id(storage(x._data)), 0):
            _set_version(old._data, version(x))  # so the old node's output version still holds
        out = fn(old, *args)
    else:
        with no_grad():
            out = fn(x._shallow(), *args)
    out = _write(name, x, out)
    bump(x)
    if recording:
        x._node, x._requires_grad = out._node, out._requires_grad
        if getattr(out._node, "versions", None) is not None:
            out._node.versions = out._node.versions[:-1] + (version(x),)
    return x


def _write(name: str, x: Tensor, out: Tensor) -> Tensor:
    """Copy out's values into x's array (cast to x's dtype); returns out as written."""
    if out.shape != x.shape:
        raise RuntimeError(f"{name}: output with shape {list(x.shape)} doesn't match the "
                           f"broadcast shape {list(out.shape)}")
    if out._data.dtype != x._data.dtype:
        if not np.can_cast(out._data.dtype, x._data.dtype, "same_kind"):
            raise RuntimeError(f"{name}: result type {out.dtype.name} can't be cast to the "
                               f"desired output type {x.dtype.name}")
        out = out.to(x.dtype)
    if out.device != x.device:
        raise RuntimeError(f"{name}: expected the result on {x.device}, got {out.device}")
    if not x._data.flags.writeable:
        raise RuntimeError(f"{name}: the tensor's memory is read-only (an expand(), "
                           f"broadcast_to(), unfold() or as_strided() view, whose elements may "
                           f"overlap, or a read-only NumPy array): clone() it first")
    x._device.xp.copyto(x._data, out._data)
    return out


__all__ = ["apply", "bump", "version", "storage", "check_versions", "node_versions",
           "LEAF_ERROR"]
