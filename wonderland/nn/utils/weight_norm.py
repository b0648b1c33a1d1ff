"""weight_norm and remove_weight_norm, as the classic torch.nn.utils functions (Salimans and
Kingma, 2016): a weight w becomes w = g * v / ||v||, trained through the parameters name_g
(the norms) and name_v (the directions); the norm is over every dim but `dim`."""
from __future__ import annotations

from ...core.grad_mode import no_grad
from ...core.tensor import Tensor
from ...ops.reduce import root_zero_slope_at_zero
from ..module import Module
from ..parameter import Parameter
from . import pre_forward

__all__ = ["weight_norm", "remove_weight_norm"]


def norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm of v over every dim but `dim`, keeping v's rank; over all of v (a 0-d
    tensor) for dim=-1, as torch's norm_except_dim reads -1."""
    if dim == -1:
        return root_zero_slope_at_zero((v * v).sum())
    keep = dim % v.ndim
    axes = tuple(d for d in range(v.ndim) if d != keep)
    return root_zero_slope_at_zero((v * v).sum(axes, keepdim=True)) if axes else v.abs()


class WeightNorm:
    """Sets module.<name> = g * v / ||v|| before each forward."""

    def __init__(self, name: str, dim: int):
        self.name, self.dim = name, dim

    def compute_weight(self, module: Module) -> Tensor:
        g, v = getattr(module, self.name + "_g"), getattr(module, self.name + "_v")
        return v * (g / norm_except_dim(v, self.dim))

    def __call__(self, module: Module) -> None:
        object.__setattr__(module, self.name, self.compute_weight(module))


def _key(name: str) -> str:
    return f"weight_norm:{name}"


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrise module.<name> as g * v / ||v|| (recomputed before every forward); dim
    None (or -1) takes the norm over the whole tensor. Returns the module."""
    if _key(name) in pre_forward.registered(module):
        raise RuntimeError(f"weight_norm: cannot register two weight_norm hooks on the same "
                           f"parameter {name} of {type(module).__name__}")
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"weight_norm: {type(module).__name__} has no parameter '{name}'")
    fn = WeightNorm(name, -1 if dim is None else dim)
    del module._parameters[name]
    with no_grad():
        module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, fn.dim)))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
    fn(module)
    pre_forward.add(module, _key(name), fn)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Undo weight_norm: module.<name> becomes a Parameter again, holding g * v / ||v||."""
    fn = pre_forward.registered(module).get(_key(name))
    if fn is None:
        raise ValueError(f"remove_weight_norm: weight_norm of '{name}' not found in "
                         f"{type(module).__name__}")
    with no_grad():
        weight = fn.compute_weight(module).detach()
    pre_forward.remove(module, _key(name))
    module.__dict__.pop(name, None)
    del module._parameters[name + "_g"], module._parameters[name + "_v"]
    module.register_parameter(name, Parameter(weight))
    return module
