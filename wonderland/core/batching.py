"""vmap's tensors: a BatchedTensor shows one example (its logical shape) of a physical tensor
whose dimension `bdim` runs over the batch. bind() hands a primitive whose inputs are batched at
the innermost level to the primitive's batching rule, which works on the physical tensors."""
from __future__ import annotations

import math

from .grad_mode import is_grad_enabled
from .tensor import Node, Tensor


class BatchedTensor(Tensor):
    """The per-example view of `physical` (batch dimension `bdim`) at vmap level `level`."""

    __slots__ = ("_physical", "_bdim", "_vlevel")

    def __init__(self, physical: Tensor, bdim: int, level: int):
        Tensor._init(self, None, physical._device)
        self._physical, self._bdim, self._vlevel = physical, bdim, level

    @property
    def shape(self) -> tuple[int, ...]:
        p = self._physical.shape
        return p[:self._bdim] + p[self._bdim + 1:]

    @property
    def ndim(self) -> int:
        return self._physical.ndim - 1

    @property
    def dtype(self):
        return self._physical.dtype

    @property
    def is_floating_point(self) -> bool:
        return self._physical.is_floating_point

    def numel(self) -> int:
        return math.prod(self.shape)

    def _values(self):
        return self._physical._values()

    def _shallow(self) -> BatchedTensor:
        return BatchedTensor(self._physical, self._bdim, self._vlevel)

    def detach(self) -> BatchedTensor:
        return BatchedTensor(self._physical.detach(), self._bdim, self._vlevel)

    def _no_values(self, *args, **kwargs):
        raise RuntimeError("vmap: a batched tensor has one value per example, so it cannot be "
                           "read as a number or array inside the vmapped function (no "
                           "data-dependent Python control flow); return it instead")

    numpy = item = tolist = __array__ = __float__ = __int__ = __bool__ = __index__ = _no_values

    def __repr__(self) -> str:
        return (f"BatchedTensor(level={self._vlevel}, bdim={self._bdim}, "
                f"physical={self._physical!r})")


def bind_batched(prim, xs, level: int) -> Tensor:
    """Run prim's batching rule on the physical tensors of the inputs batched at `level`."""
    physicals, bdims = [], []
    for x in xs:
        if x._vlevel == level:
            physicals.append(x._physical)
            bdims.append(x._bdim)
        else:
            physicals.append(x)
            bdims.append(None)
    y, bdim = prim.batch(physicals, bdims)
    out = BatchedTensor(y, bdim, level)
    # Reverse mode inside vmap (vmap of grad) differentiates the logical computation.
    if prim.differentiable and out.is_floating_point and is_grad_enabled():
        for x in xs:
            if x._requires_grad:
                out._requires_grad = True
                out._node = Node(prim, xs)
                break
    return out
