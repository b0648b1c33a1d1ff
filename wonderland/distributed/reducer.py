"""The gradient averaging behind DistributedDataParallel: parameters grouped into buckets (one
dtype each, at most bucket_cap_mb; at first in reverse registration order, from the second
iteration on in the order the first one's gradients arrived), one all-reduce per bucket over a
flat buffer, started by the gradient hook of the bucket's last parameter to become ready.

A leaf's hook runs once per backward with its complete cotangent g, just before backward adds g
to .grad; so the value to average is .grad + g (gradients accumulated under no_sync() included).
Buckets are reduced strictly in order, so that every rank issues the same all-reduces in the
same order whatever order its gradients arrive in."""
from __future__ import annotations

import numpy as np

from ..core.tensor import Tensor
from . import group


class Bucket:
    def __init__(self, params: list[Tensor], dtype: np.dtype):
        self.params = params
        sizes = [p.numel() for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int).tolist()
        self.flat = np.zeros(self.offsets[-1], dtype=dtype)
        self.reset()

    def reset(self) -> None:
        self.pending = len(self.params)
        self.ready = [False] * len(self.params)


class Reducer:
    """Registers one hook per parameter; prepare() at each forward arms an iteration."""

    def __init__(self, params: list[Tensor], names: dict[int, str], bucket_cap_mb: float):
        self.cap = max(1, int(bucket_cap_mb * 1024 * 1024))
        self.names = names
        self.params = params
        self.index = {id(p): k for k, p in enumerate(params)}
        self._build(list(reversed(params)))
        self.arrivals: list[int] | None = []  # the first iteration's order; None once rebuilt
        self.sync = False  # whether the backward of the last forward averages
        self.started = False
        self.next = len(self.buckets)  # the next bucket to reduce; all done when at the end
        self.handles = [p.register_hook(self._hook_for(p)) for p in params]

    def _build(self, ordered: list[Tensor]) -> None:
        """Fill buckets with the parameters in this order, one dtype a bucket, up to the cap."""
        self.buckets: list[Bucket] = []
        open_: dict = {}  # dtype -> (params, bytes) of the bucket being filled
        for p in ordered:
            dtype = p._data.dtype
            members, size = open_.get(dtype, ([], 0))
            if members and size + p._data.nbytes > self.cap:
                self.buckets.append(Bucket(members, dtype))
                members, size = [], 0
            open_[dtype] = (members + [p], size + p._data.nbytes)
        self.buckets += [Bucket(m, d) for d, (m, _) in open_.items() if m]
        self.where = {id(p): (b, i) for b, bucket in enumerate(self.buckets)
                      for i, p in enumerate(bucket.params)}

    def _rebuild(self) -> None:
        """After the first averaged iteration: buckets in the order the gradients arrived (this
        tape walks the leaves in no fixed relation to registration order), rank 0's order on
        every rank, so that a bucket fills, and goes out, while backward still runs (PyTorch
        rebuilds its buckets the same way)."""
        arrived = set(self.arrivals)
        seen = self.arrivals + [k for k in reversed(range(len(self.params))) if k not in arrived]
        order = np.array(seen, dtype=np.int64)
        comm = group._require("DistributedDataParallel")
        group.wait(comm.Ibcast(order, root=0), "DistributedDataParallel (bucket order)")
        self._build([self.params[k] for k in order.tolist()])
        self.arrivals = None

    def prepare(self, sync: bool, unused: list[Tensor] = ()) -> None:
        """Arm the next backward (sync=False: no_sync, gradients stay local); `unused`
        (find_unused_parameters) are marked ready at once with their current .grad."""
        if self.sync and self.started and self.next < len(self.buckets):
            missing = [self.names.get(id(p), "?") for b in self.buckets[self.next:]
                       for p, ready in zip(b.params, b.ready) if not ready]
            raise RuntimeError(
                "DistributedDataParallel: expected to have finished reduction in the prior "
                "iteration before starting a new one: some parameters received no gradient "
                f"(perhaps {', '.join(missing[:10]) or 'unknown'}). Pass "
                "find_unused_parameters=True if the forward pass does not use every "
                "parameter, and make sure every rank calls backward on a loss that uses them")
        if self.sync and self.started and self.arrivals is not None:
            self._rebuild()
        self.sync, self.started, self.next = sync, False, 0
        for b in self.buckets:
            b.reset()
        if sync:
            for p in unused:
                self._ready(p, None)

    def _hook_for(self, p: Tensor):
        def hook(g: Tensor):
            return self._ready(p, g) if self.sync else None
        return hook

    def _ready(self, p: Tensor, g: Tensor | None):
        """Put p's future .grad into its bucket; reduce every bucket now complete. Returns
        what backward should add to p.grad (p.grad is cleared when p's bucket was reduced)."""
        b, i = self.where[id(p)]
        bucket = self.buckets[b]
        if bucket.ready[i]:
            raise RuntimeError(f"DistributedDataParallel: parameter {self.names.get(id(p), '?')} "
                               f"got a gradient twice in one iteration (backward ran twice "
                               f"after one forward?); run a forward before each backward, or "
                               f"use no_sync() for the extra backward")
        self.started = True
        if self.arrivals is not None:
            self.arrivals.append(self.index[id(p)])
        lo, hi = bucket.offsets[i], bucket.offsets[i + 1]
        parts = [x._data for x in (p.grad, g) if x is not None]
        view = bucket.flat[lo:hi]
        view[...] = 0 if not parts else (parts[0] if len(parts) == 1
                                         else parts[0] + parts[1]).reshape(-1)
        bucket.ready[i] = True
        bucket.pending -= 1
        replacement = None
        while self.next < len(self.buckets) and self.buckets[self.next].pending == 0:
            done = self.buckets[self.next]
            self.next += 1
            summed, size = _sum(done.flat), group._state.size
            for j, q in enumerate(done.params):
                part = summed[done.offsets[j]:done.offsets[j + 1]].reshape(q.shape)
                # the mean, in one pass that also copies it out of the bucket (which the next
                # iteration overwrites)
                average = np.divide(part, size, dtype=part.dtype).astype(done.flat.dtype,
                                                                         copy=False)
                value = Tensor._make(average, q.device)
                if q is p and g is not None:  # backward adds what the hook returns to .grad
                    q.grad, replacement = None, value
                else:
                    q.grad = value
        return replacement

    def remove(self) -> None:
        for h in self.handles:
            h.remove()


def _sum(flat: np.ndarray) -> np.ndarray:
    """The bucket summed over the ranks (in float32 for bfloat16)."""
    from mpi4py import MPI

    comm = group._require("DistributedDataParallel")
    work = flat if flat.dtype.kind == "f" else flat.astype(np.float32)  # bfloat16: in float32
    request = comm.Iallreduce(MPI.IN_PLACE, work, MPI.SUM)
    group.wait(request, "DistributedDataParallel (gradient all_reduce)")
    return work


def reachable_leaves(outputs) -> set[int]:
    """ids of the leaf tensors the tape behind `outputs` (any nesting of tensors) reads."""
    stack, seen, leaves = list(_tensors(outputs)), set(), set()
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        node = t._node
        if node is None:
            leaves.add(id(t))
        elif node.inputs is not None:
            stack.extend(node.inputs)
    return leaves


def _tensors(x):
    if isinstance(x, Tensor):
        yield x
    elif isinstance(x, dict):
        for v in x.values():
            yield from _tensors(v)
    elif isinstance(x, (list, tuple)):
        for v in x:
            yield from _tensors(v)
