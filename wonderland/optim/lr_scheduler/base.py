"""LRScheduler: the base of every learning-rate schedule (as torch.optim.lr_scheduler): it records
`initial_lr` in each parameter group, counts `last_epoch`, writes each new lr into the groups and
saves / restores itself through state_dict."""
from __future__ import annotations

import copy
import types

from ..optimizer import Optimizer

__all__ = ["LRScheduler"]


def group_values(optimizer: Optimizer, key: str) -> list:
    """The value of `key` in every parameter group of `optimizer`, in order."""
    return [group[key] for group in optimizer.param_groups]


def per_group(name: str, optimizer: Optimizer, value) -> list:
    """One value per parameter group: a list/tuple is checked for length, a scalar repeated."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"{name}: expected one value per parameter group "
                             f"({len(optimizer.param_groups)}), got {len(value)}")
        return list(value)
    return [value] * len(optimizer.param_groups)


def check_optimizer(optimizer) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not a wonderland Optimizer")


class LRScheduler:
    """Subclasses implement get_lr() (the lrs at `last_epoch`, usually from the groups' current lrs
    so that schedules chain) and, where one exists, _closed_form_lr() (the lrs straight from
    `base_lrs`, used when step(epoch) jumps to an epoch).

    Construction performs an initial step to epoch 0, as PyTorch does: call optimizer.step()
    before scheduler.step() in the loop. State is everything in the object except the optimizer;
    callables (lambdas) are saved only through their attribute dicts."""

    _is_initial = False  # True while the step taken by the constructor runs

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param_groups[{i}] has no 'initial_lr': resuming a schedule "
                                   f"with last_epoch={last_epoch} needs the optimizer's saved "
                                   f"state loaded first")
        self.base_lrs = group_values(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        raise NotImplementedError(f"{type(self).__name__} does not define get_lr()")

    def _closed_form_lr(self) -> list[float] | None:
        """The lrs at `last_epoch` computed from base_lrs alone; None when there is no such form."""
        return None

    def get_last_lr(self) -> list[float]:
        """The lrs the last step set (one per parameter group)."""
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or jump to `epoch`, through the closed form where there is one)."""
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            values = self._closed_form_lr()
            if values is None:
                values = self.get_lr()
        self._set_lrs(values)

    def _set_lrs(self, values: list[float]) -> None:
        groups = self.optimizer.param_groups
        if len(values) != len(groups):
            raise ValueError(f"{type(self).__name__}: {len(values)} lrs for {len(groups)} groups")
        for group, lr in zip(groups, values):
            group["lr"] = lr
        self._last_lr = group_values(self.optimizer, "lr")

    # --- saving and resuming ----------------------------------------------------------------------
    _callables: tuple[str, ...] = ()  # attributes holding (lists of) callables, saved by __dict__
    _children: tuple[str, ...] = ()  # attributes holding lists of schedulers, saved recursively

    def state_dict(self) -> dict:
        """Every attribute but the optimizer; plain functions are saved as None, callable objects
        as a copy of their __dict__, inner schedulers through their own state_dict."""
        skip = {"optimizer", *self._callables, *self._children}
        state = {k: copy.deepcopy(v) for k, v in vars(self).items() if k not in skip}
        for name in self._callables:
            fns = getattr(self, name)
            if isinstance(fns, (list, tuple)):
                state[name] = [_callable_state(f) for f in fns]
            else:
                state[name] = _callable_state(fns)
        for name in self._children:
            state[name] = [s.state_dict() for s in getattr(self, name)]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        state = {k: copy.deepcopy(v) for k, v in state_dict.items()
                 if k not in self._callables and k not in self._children}
        self.__dict__.update(state)
        for name in self._callables:
            saved, fns = state_dict.get(name), getattr(self, name)
            if isinstance(fns, (list, tuple)):
                for fn, s in zip(fns, saved or [None] * len(fns)):
                    if s is not None:
                        fn.__dict__.update(s)
            elif saved is not None and fns is not None:
                fns.__dict__.update(saved)
        for name in self._children:
            for child, s in zip(getattr(self, name), state_dict[name]):
                child.load_state_dict(s)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self.get_last_lr()})"


def _callable_state(fn):
    if fn is None or isinstance(fn, types.FunctionType):
        return None
    return copy.deepcopy(fn.__dict__)
