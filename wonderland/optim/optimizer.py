"""The Optimizer base: parameter groups with their own options, step / zero_grad, and a
state_dict that resumes training exactly (per-parameter state is keyed by parameter position)."""
from __future__ import annotations

import copy
from collections.abc import Callable, Iterable

from ..core import inplace
from ..core.grad_mode import no_grad
from ..core.tensor import Tensor


def _write_step(p: Tensor, new: Tensor) -> None:
    """The new values into p's own memory, as PyTorch's optimizers write them: whatever shares
    that memory (p.data taken earlier, a view, shared memory across processes) sees the step. Only
    memory that cannot be written (a read-only array given by the user) is replaced instead."""
    if getattr(p._data.flags, "writeable", True) and new._data.dtype == p._data.dtype:
        p._device.xp.copyto(p._data, new._data)
    else:
        p.data = new


class Optimizer:
    """Subclasses set `defaults` through __init__ and implement `update(p, grad, state, group)`
    (called under no_grad for every parameter with a gradient), or override step() entirely;
    `update_in_place` may add a faster path to the same values."""

    def __init__(self, params: Iterable, defaults: dict):
        self.defaults = dict(defaults)
        self.param_groups: list[dict] = []
        self.state: dict[int, dict] = {}  # id(parameter) -> its state (moments, step count ...)
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, group: dict) -> None:
        """Add parameters with their own options (missing options take the defaults)."""
        group = dict(group)
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: parameters must be tensors, got "
                                f"{type(p).__name__}")
            if not p.requires_grad:
                raise ValueError(f"{type(self).__name__}: a parameter does not require grad")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: can only optimize leaf tensors "
                                 f"(parameters), not results of operations")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params) or len({id(p) for p in params}) != len(params):
            raise ValueError(f"{type(self).__name__}: a parameter appears twice "
                             f"(it would be updated twice per step)")
        unknown = set(group) - set(self.defaults) - {"params"}
        if unknown:
            raise TypeError(f"{type(self).__name__}: unknown options {sorted(unknown)}; "
                            f"expected some of {sorted(self.defaults)}")
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        group["params"] = params
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is not None:
                    p.grad = None if set_to_none else p.grad.detach() * 0

    @no_grad()
    def step(self, closure: Callable | None = None):
        """One update of every parameter that has a gradient; returns closure() if given."""
        loss = None
        if closure is not None:
            from ..core.grad_mode import enable_grad

            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(id(p), {})
                if not self.update_in_place(p, p.grad, state, group):
                    _write_step(p, self.update(p.detach(), p.grad.detach(), state, group))
                inplace.bump(p)  # as PyTorch's p.add_(): a graph that saved p sees it moved
        return loss

    @staticmethod
    def descent_gradient(p: Tensor, grad: Tensor, group: dict) -> Tensor:
        """The gradient to descend: negated when maximizing, plus the L2 term weight_decay * p
        (the classic, coupled weight decay)."""
        g = -grad if group["maximize"] else grad
        return g + group["weight_decay"] * p if group["weight_decay"] else g

    def update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> Tensor:
        """The new value of one parameter (no tape); `state` persists between steps."""
        raise NotImplementedError(f"{type(self).__name__} has no update rule")

    def update_in_place(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> bool:
        """The step update() takes, written into the arrays of p and its state when no one else
        can see them (optim/in_place.py), with the same values bit for bit; returns whether it
        did. A fast path for the common optimizers: by default it declines."""
        return False

    # --- saving and resuming --------------------------------------------------------------------
    def _params(self) -> list[Tensor]:
        return [p for g in self.param_groups for p in g["params"]]

    def state_dict(self) -> dict:
        """{'state': {index: {...}}, 'param_groups': [{options, 'params': [indices]}]} as in
        PyTorch: parameters are named by their position, so the dict loads into a new optimizer
        over a new copy of the model."""
        index = {id(p): i for i, p in enumerate(self._params())}
        groups, start = [], 0
        for g in self.param_groups:
            groups.append({**{k: v for k, v in g.items() if k != "params"},
                           "params": list(range(start, start + len(g["params"])))})
            start += len(g["params"])
        state = {index[pid]: {k: (v.detach() if isinstance(v, Tensor) else copy.deepcopy(v))
                              for k, v in s.items()}
                 for pid, s in self.state.items() if pid in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups) or any(
                len(a["params"]) != len(b["params"]) for a, b in zip(groups, self.param_groups)):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the saved groups "
                             f"{[len(g['params']) for g in groups]} do not match this "
                             f"optimizer's {[len(g['params']) for g in self.param_groups]}")
        params = self._params()
        for saved, own in zip(groups, self.param_groups):
            own.update({k: v for k, v in saved.items() if k != "params"})
        self.state = {}
        for i, s in state_dict["state"].items():
            p = params[int(i)]
            self.state[id(p)] = {k: _onto(v, p.device) for k, v in s.items()}

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            opts = ", ".join(f"{k}={v}" for k, v in g.items() if k != "params")
            lines.append(f"  group {i}: {len(g['params'])} tensors, {opts}")
        return "\n".join(lines) + "\n)"


def _onto(value, device):
    """A copy of saved state with every tensor in it (also inside lists, tuples and dicts)
    detached and on `device`."""
    if isinstance(value, Tensor):
        return value.detach().to(device=device)
    if isinstance(value, (list, tuple)):
        return type(value)(_onto(v, device) for v in value)
    if isinstance(value, dict):
        return {k: _onto(v, device) for k, v in value.items()}
    return copy.deepcopy(value)
