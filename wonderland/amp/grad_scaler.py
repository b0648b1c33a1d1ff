"""wl.amp.GradScaler: PyTorch's loss scaling for float16 training, with its API (scale, unscale_,
step, update, get_scale, state_dict, ...). Disabled (enabled=False, or a device type without a
backend here, which warns as PyTorch does) every call passes through: scale returns the loss
unchanged, step runs optimizer.step(), get_scale is 1.0 and state_dict is empty."""
from __future__ import annotations

import math
import warnings

from ..core.device import Device
from ..core.grad_mode import no_grad

__all__ = ["GradScaler"]


class GradScaler:
    """Multiplies the loss by a scale before backward, divides the gradients by it before the
    optimizer's step, skips steps whose gradients hold inf or NaN and then halves the scale
    (backoff_factor), and grows it (growth_factor) after growth_interval clean steps."""

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True):
        from ..core.autocast import available_types

        self._device = Device(device).type
        self._enabled = bool(enabled)
        if self._enabled and self._device not in available_types():
            warnings.warn(f"wonderland.amp.GradScaler is enabled, but device type "
                          f"'{self._device}' is not available. Disabling.", UserWarning,
                          stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0 or not 0.0 < backoff_factor < 1.0:
                raise ValueError(f"GradScaler: expected growth_factor > 1 and 0 < backoff_factor "
                                 f"< 1, got {growth_factor} and {backoff_factor}")
            self._scale = float(init_scale)
            self._growth_factor = float(growth_factor)
            self._backoff_factor = float(backoff_factor)
            self._growth_interval = int(growth_interval)
            self._growth_tracker = 0
        self._found_inf: dict[int, bool] = {}  # id(optimizer) -> inf seen, since update()

    def is_enabled(self) -> bool:
        return self._enabled

    def scale(self, outputs):
        """outputs (a tensor, or nested lists/tuples of them) times the scale; unchanged (the
        same object) when disabled."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def unscale_(self, optimizer) -> None:
        """Divide the optimizer's gradients by the scale, in place, and note whether any holds
        inf or NaN (then step() skips). Once per optimizer between update() calls."""
        if not self._enabled:
            return
        if id(optimizer) in self._found_inf:
            raise RuntimeError("unscale_() has already been called on this optimizer since the "
                               "last update().")
        inv = 1.0 / self._scale
        found = False
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    p.grad = p.grad * inv
                    found = found or not bool(p.grad.isfinite().all())
        self._found_inf[id(optimizer)] = found

    def step(self, optimizer, *args, **kwargs):
        """unscale_ (unless done already), then optimizer.step(*args, **kwargs) unless a gradient
        held inf or NaN; returns what step returned (None when skipped)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        if id(optimizer) not in self._found_inf:
            self.unscale_(optimizer)
        return None if self._found_inf[id(optimizer)] else optimizer.step(*args, **kwargs)

    def update(self, new_scale: float | None = None) -> None:
        """Set the scale for the next iteration: new_scale if given, else back off after a
        skipped step or grow after growth_interval clean ones."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        elif not self._found_inf:
            raise RuntimeError("No inf checks were recorded prior to update.")
        elif any(self._found_inf.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                grown = self._scale * self._growth_factor
                self._scale = grown if math.isfinite(grown) else self._scale
                self._growth_tracker = 0
        self._found_inf = {}

    def get_scale(self) -> float:
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = int(new_interval)

    def state_dict(self) -> dict:
        """PyTorch's keys; {} when disabled."""
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])
