"""wl.cuda.amp: PyTorch's legacy names, torch.cuda.amp.autocast and GradScaler, which warn as
PyTorch does (FutureWarning) and stand for wl.amp's with device type 'cuda'."""
from __future__ import annotations

import warnings

from ..amp import GradScaler as _GradScaler
from ..amp import autocast as _autocast
from ..core import dtype as dt

__all__ = ["autocast", "GradScaler"]


class autocast(_autocast):  # noqa: N801  (PyTorch's name)
    """torch.cuda.amp.autocast(args...): wl.amp.autocast('cuda', args...)."""

    def __init__(self, enabled: bool = True, dtype=dt.float16, cache_enabled: bool = True):
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cuda', args...)` instead.", FutureWarning,
                      stacklevel=2)
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_GradScaler):
    """torch.cuda.amp.GradScaler(args...): wl.amp.GradScaler('cuda', args...)."""

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True):
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning,
                      stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval,
                         enabled)
