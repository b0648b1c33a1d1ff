"""Module: the base of every layer. Parameters, buffers and submodules are found by walking
attributes; state_dict / load_state_dict, train / eval, to(), apply() and a readable repr."""
from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator

from ..core.device import cuda_device
from ..core.dtype import DType
from ..core.grad_mode import no_grad
from ..core.tensor import Tensor
from .parameter import Parameter

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of layers and models: subclasses set attributes in __init__ and define forward."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # --- attributes -------------------------------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        """Register Parameters, Modules and tensors over buffer names, as torch.nn.Module does:
        a name that stays in its table keeps its place there (and so in children(),
        named_parameters() and state_dict()); one that changes table goes to the end of its new
        table. A registered parameter or child takes only its own kind or None."""
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning attributes")
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, Parameter):
            self._forget(name, keep=params)
            params[name] = value
        elif name in params:
            self._expect(value is None, value, "parameter", name, "Parameter or None")
            params[name] = value
        elif isinstance(value, Module):
            self._forget(name, keep=modules)
            modules[name] = value
        elif name in modules:
            self._expect(value is None, value, "child module", name, "Module or None")
            modules[name] = value
        elif name in buffers:
            self._expect(value is None or isinstance(value, Tensor), value, "buffer", name,
                         "Tensor or None")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: dict) -> None:
        """Drop `name` from every table but `keep` and from the plain attributes."""
        for table in (self._parameters, self._buffers, self._modules):
            if table is not keep:
                table.pop(name, None)
        if keep is not self._buffers:
            self._non_persistent.discard(name)
        self.__dict__.pop(name, None)

    def _expect(self, ok: bool, value, kind: str, name: str, expected: str) -> None:
        if not ok:
            raise TypeError(f"{type(self).__name__}: cannot assign '{type(value).__name__}' as "
                            f"{kind} '{name}' ({expected} expected)")

    def __getattr__(self, name: str):
        for table in ("_parameters", "_buffers", "_modules"):
            d = self.__dict__.get(table)
            if d is not None and name in d:
                return d[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for table in (self._parameters, self._buffers, self._modules):
            if name in table:
                del table[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def _check_new_name(self, kind: str, name, table: dict) -> None:
        """A name to register: a non-empty string without dots, not taken by another attribute
        (re-registering under the same kind is allowed and keeps the name's place)."""
        if not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: {kind} name should be a string, got "
                            f"{type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"{type(self).__name__}: {kind} name {name!r} must be non-empty and "
                           f"contain no '.'")
        if name not in table and hasattr(self, name):
            raise KeyError(f"{type(self).__name__}: attribute '{name}' already exists; cannot "
                           f"register it as a {kind}")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a Parameter (or None, a declared slot) under `name`, as the attribute does."""
        self._check_new_name("parameter", name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: '{name}' must be a Parameter or None, "
                            f"got {type(param).__name__}")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """A tensor that is state but not a weight (running statistics): in state_dict unless
        persistent=False, moved by to(), never given to an optimizer."""
        self._check_new_name("buffer", name, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: '{name}' must be a tensor or None")
        self._buffers[name] = tensor
        (self._non_persistent.discard if persistent else self._non_persistent.add)(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module (or None) under `name`, as the attribute does."""
        self._check_new_name("module", name, self._modules)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: '{name}' must be a Module, got {type(module).__name__}")
        self._modules[name] = module

    register_module = add_module

    # --- calling ------------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # --- walking the tree -------------------------------------------------------------------
    def named_modules(self, prefix: str = "", memo: set | None = None,
                      remove_duplicate: bool = True) -> Iterator:
        """(dotted name, module) for self and every submodule, depth first; a module reached
        twice is listed once unless remove_duplicate=False."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(f"{prefix}.{name}" if prefix else name, memo,
                                               remove_duplicate)

    def modules(self) -> Iterator[Module]:
        return (m for _, m in self.named_modules())

    def named_children(self) -> Iterator:
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        return (m for _, m in self.named_children())

    def _named(self, table: str, prefix: str, recurse: bool, remove_duplicate: bool) -> Iterator:
        seen = set()
        modules = (self.named_modules(prefix, remove_duplicate=remove_duplicate) if recurse
                   else [(prefix, self)])
        for mprefix, module in modules:
            for name, t in getattr(module, table).items():
                if t is None or (remove_duplicate and id(t) in seen):
                    continue
                seen.add(id(t))  # a weight shared by two layers is listed once
                yield (f"{mprefix}.{name}" if mprefix else name), t

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator:
        """(dotted name, parameter) pairs; a shared one once unless remove_duplicate=False."""
        return self._named("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Tensor]:
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator:
        """(dotted name, buffer) pairs; a shared one once unless remove_duplicate=False."""
        return self._named("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        return (b for _, b in self.named_buffers(recurse=recurse))

    # --- modes and bulk changes ---------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if p.grad is not None:
                p.grad = None if set_to_none else p.grad * 0

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call fn on every submodule (children first) and on self, as in PyTorch."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, device=None, dtype=None, non_blocking: bool = False) -> Module:
        """Move (and/or cast floating point) parameters and buffers, in place; module.to(dtype)
        casts as module.to(dtype=dtype) does, leaving integer buffers alone (PyTorch's).
        non_blocking is accepted and has no effect: every copy here is synchronous."""
        if isinstance(device, DType) and dtype is None:
            device, dtype = None, device
        with no_grad():
            for m in self.modules():
                for table in (m._parameters, m._buffers):
                    for t in table.values():
                        if t is None:
                            continue
                        d = dtype if dtype is not None and t.is_floating_point else None
                        moved = t.to(device=device, dtype=d)
                        if moved is not t:
                            t._data, t._device = moved._data, moved._device
        return self

    def cpu(self) -> Module:
        """Move parameters and buffers to the CPU, in place (where they already are here)."""
        return self.to("cpu")

    def cuda(self, device=None) -> Module:
        """Move parameters and buffers to a GPU, in place; without a GPU backend this raises an
        error that says what to do (no silent fallback to the CPU)."""
        return self.to(cuda_device(device))

    def float(self) -> Module:
        from ..core import dtype as dt

        return self.to(dtype=dt.float32)

    def double(self) -> Module:
        from ..core import dtype as dt

        return self.to(dtype=dt.float64)

    def half(self) -> Module:
        from ..core import dtype as dt

        return self.to(dtype=dt.float16)

    def bfloat16(self) -> Module:
        from ..core import dtype as dt

        return self.to(dtype=dt.bfloat16)

    # --- state ------------------------------------------------------------------------------
    def state_dict(self, prefix: str = "") -> OrderedDict:
        """Parameters and persistent buffers by dotted name, detached (sharing memory)."""
        out = OrderedDict()
        for mprefix, m in self.named_modules(prefix.rstrip(".")):
            for table, skip in ((m._parameters, ()), (m._buffers, m._non_persistent)):
                for name, t in table.items():
                    if t is not None and name not in skip:
                        out[f"{mprefix}.{name}" if mprefix else name] = t.detach()
        return out

    def load_state_dict(self, state_dict, strict: bool = True) -> IncompatibleKeys:
        """Copy tensors into this module's parameters and buffers, in place (optimizers holding
        them see the new values). strict: missing or unexpected keys are an error."""
        own = self._state_slots()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        if strict and (missing or unexpected):
            problems += [f"missing keys: {missing}"] if missing else []
            problems += [f"unexpected keys: {unexpected}"] if unexpected else []
        for key, value in state_dict.items():
            if key in own:
                target = own[key]
                value = value if isinstance(value, Tensor) else Tensor(value)
                if value.shape != target.shape:
                    problems.append(f"'{key}': the checkpoint has shape {value.shape}, the "
                                    f"model {target.shape}")
        if problems:
            raise RuntimeError(f"load_state_dict for {type(self).__name__}: "
                               + "; ".join(problems))
        with no_grad():
            for key, value in state_dict.items():
                if key in own:
                    target = own[key]
                    value = value if isinstance(value, Tensor) else Tensor(value)
                    target.data = value.to(device=target.device, dtype=target.dtype)
        return IncompatibleKeys(missing, unexpected)

    def _state_slots(self) -> dict:
        slots = {}
        for mprefix, m in self.named_modules():
            for table, skip in ((m._parameters, ()), (m._buffers, m._non_persistent)):
                for name, t in table.items():
                    if t is not None and name not in skip:
                        slots[f"{mprefix}.{name}" if mprefix else name] = t
        return slots

    # --- printing -----------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): " + repr(m).replace("\n", "\n  ")
                 for name, m in self._modules.items()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return (f"{head}  # {self.num_parameters():,} parameters\n  " + "\n  ".join(lines)
                + "\n)")

    def num_parameters(self, trainable_only: bool = False) -> int:
        return sum(p.numel() for p in self.parameters()
                   if p.requires_grad or not trainable_only)
