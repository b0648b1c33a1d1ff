"""Parameter: a leaf tensor that a Module registers as one of its trainable weights."""
from __future__ import annotations

from ..core.tensor import Tensor


class Parameter(Tensor):
    """A tensor that requires grad (by default) and that Module attributes register as weights.

    It shares memory with the tensor it is made from; optimizers update it in place (`.data`)."""

    __slots__ = ()

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            from ..ops.creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            data = Tensor(data)
        Tensor._init(self, data.detach()._data, data.device)
        if requires_grad:
            self.requires_grad = True

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
