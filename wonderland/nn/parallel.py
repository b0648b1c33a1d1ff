"""nn.parallel.DataParallel as a single-device pass-through: programs written for several GPUs
run unchanged on one device (wonderland's multi-process training is wonderland.distributed)."""
from __future__ import annotations

from collections.abc import Sequence

from .module import Module

__all__ = ["DataParallel"]


class DataParallel(Module):
    """Wraps `module` and calls it as is. device_ids, output_device and dim are kept for
    compatibility; the state_dict keys carry the `module.` prefix, as torch's do."""

    def __init__(self, module: Module, device_ids: Sequence | None = None,
                 output_device=None, dim: int = 0):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: expected a Module to wrap, got "
                            f"{type(module).__name__}")
        self.module = module
        self.device_ids = list(device_ids) if device_ids is not None else []
        self.output_device, self.dim = output_device, dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
