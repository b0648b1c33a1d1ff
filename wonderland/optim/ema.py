"""An exponential moving average of the weights (Polyak averaging, as used in diffusion and GAN
recipes): shadow <- d * shadow + (1 - d) * weight after every optimizer step, and a context in
which the model evaluates with the averaged weights, restoring its own afterwards."""
from __future__ import annotations

from contextlib import contextmanager

from ..core.grad_mode import no_grad
from ..core.tensor import Tensor

__all__ = ["ExponentialMovingAverage", "EMA"]


def _tensors(parameters) -> list[Tensor]:
    """The parameters of a Module (anything with .parameters()), a tensor, or an iterable."""
    if isinstance(parameters, Tensor):
        return [parameters]
    if hasattr(parameters, "parameters") and callable(parameters.parameters):
        return list(parameters.parameters())
    return list(parameters)


class ExponentialMovingAverage:
    """Keeps shadow copies of some weights and averages them after each step:

        ema = ExponentialMovingAverage(model, decay=0.999, warmup=True)
        for batch in data:
            ...; optimizer.step(); ema.update()
        with ema.average_parameters():    # evaluate with the averaged weights
            evaluate(model)               # the trained weights are back afterwards

    decay: d, the weight on the past; the average spans about 1 / (1 - d) steps.
    warmup: use d_t = min(decay, (1 + t) / (10 + t)) at the t-th update (t = 0, 1, ...), so the
    average forgets the random initialisation quickly early in training (as in common diffusion
    recipes); without it d_t = decay throughout.
    update_after_step: the first updates only copy the weights (d_t = 0) until this many have
    happened, and warmup counts from there.

    `parameters` is a Module (its .parameters()), a tensor, or an iterable of tensors; update,
    copy_to, store and restore default to those same tensors (optimizers update them in place),
    or take another model or list in the same order."""

    def __init__(self, parameters, decay: float = 0.9999, warmup: bool = False,
                 update_after_step: int = 0):
        if not 0.0 <= decay <= 1.0:
            raise ValueError(f"ExponentialMovingAverage: decay must be in [0, 1], got {decay}")
        self.decay = float(decay)
        self.warmup = bool(warmup)
        self.update_after_step = int(update_after_step)
        self.num_updates = 0
        self._params = _tensors(parameters)
        self.shadow = [p.detach().clone() for p in self._params]
        self._stored: list[Tensor] | None = None

    def _resolve(self, parameters) -> list[Tensor]:
        params = self._params if parameters is None else _tensors(parameters)
        if len(params) != len(self.shadow) or any(
                p.shape != s.shape for p, s in zip(params, self.shadow)):
            raise ValueError(f"ExponentialMovingAverage: expected {len(self.shadow)} tensors of "
                             f"shapes {[s.shape for s in self.shadow]}, got "
                             f"{[p.shape for p in params]}")
        return params

    def get_decay(self, t: int | None = None) -> float:
        """The decay the t-th update uses (by default the next one)."""
        t = (self.num_updates if t is None else t) - self.update_after_step
        if t < 0:
            return 0.0
        if self.warmup:
            return min(self.decay, (1 + t) / (10 + t))
        return self.decay

    @no_grad()
    def update(self, parameters=None) -> None:
        """Fold the current weights into the average (call after optimizer.step())."""
        params = self._resolve(parameters)
        d = self.get_decay()
        for i, (p, s) in enumerate(zip(params, self.shadow)):
            w = p.detach()
            if not w.is_floating_point:  # integer state is copied, not averaged
                self.shadow[i] = w.clone()
                continue
            if s.device != w.device:
                s = s.to(device=w.device)
            self.shadow[i] = s * d + w * (1.0 - d)
        self.num_updates += 1

    @no_grad()
    def copy_to(self, parameters=None) -> None:
        """Write the averaged weights into the parameters (in place)."""
        for p, s in zip(self._resolve(parameters), self.shadow):
            p.data = s.to(device=p.device, dtype=p.dtype).clone()

    @no_grad()
    def store(self, parameters=None) -> None:
        """Remember the current weights, for restore()."""
        self._stored = [p.detach().clone() for p in self._resolve(parameters)]

    @no_grad()
    def restore(self, parameters=None) -> None:
        """Put back the weights saved by store()."""
        if self._stored is None:
            raise RuntimeError("ExponentialMovingAverage.restore(): nothing stored; call store()")
        for p, s in zip(self._resolve(parameters), self._stored):
            p.data = s
        self._stored = None

    @contextmanager
    def average_parameters(self, parameters=None):
        """Within the block the parameters hold the averaged weights; their own come back after
        (also when the block raises)."""
        self.store(parameters)
        try:
            self.copy_to(parameters)
            yield
        finally:
            self.restore(parameters)

    def state_dict(self) -> dict:
        return {"decay": self.decay, "warmup": self.warmup,
                "update_after_step": self.update_after_step, "num_updates": self.num_updates,
                "shadow": [s.detach().clone() for s in self.shadow]}

    def load_state_dict(self, state_dict: dict) -> None:
        shadow = list(state_dict["shadow"])
        if len(shadow) != len(self.shadow) or any(
                a.shape != b.shape for a, b in zip(shadow, self.shadow)):
            raise ValueError(f"ExponentialMovingAverage.load_state_dict: saved shapes "
                             f"{[tuple(a.shape) for a in shadow]} do not match "
                             f"{[s.shape for s in self.shadow]}")
        self.decay = float(state_dict["decay"])
        self.warmup = bool(state_dict["warmup"])
        self.update_after_step = int(state_dict.get("update_after_step", 0))
        self.num_updates = int(state_dict["num_updates"])
        self.shadow = [s.detach().to(device=p.device).clone()
                       for s, p in zip(shadow, self.shadow)]

    def __repr__(self) -> str:
        return (f"ExponentialMovingAverage(decay={self.decay}, warmup={self.warmup}, "
                f"tensors={len(self.shadow)}, num_updates={self.num_updates})")


EMA = ExponentialMovingAverage
