"""spectral_norm and remove_spectral_norm, as the classic torch.nn.utils functions (Miyato et
al., 2018): module.<name> = W / sigma(W), sigma estimated by power iteration on the buffers
name_u and name_v (one step per training forward; none in eval); W is the parameter name_orig."""
from __future__ import annotations

from ...core.grad_mode import no_grad
from ...core.tensor import Tensor
from ...ops import randn
from ..module import Module
from ..parameter import Parameter
from . import pre_forward

__all__ = ["spectral_norm", "remove_spectral_norm"]


def _normalize(x: Tensor, eps: float) -> Tensor:
    """x / max(||x||, eps), as torch's F.normalize on a vector."""
    return x / (x * x).sum().sqrt().clamp(min=eps)


class SpectralNorm:
    """Sets module.<name> = W / sigma before each forward, updating u and v while training."""

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float):
        self.name, self.n_power_iterations, self.dim, self.eps = (name, n_power_iterations,
                                                                  dim, eps)

    def as_matrix(self, weight: Tensor) -> Tensor:
        """weight with `dim` moved to the front, flattened to (size(dim), -1)."""
        if self.dim != 0:
            weight = weight.movedim(self.dim, 0)
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        mat = self.as_matrix(weight)
        if do_power_iteration:
            with no_grad():  # u and v are constants to the gradient, as in torch
                new_u, new_v = u.detach(), v.detach()
                for _ in range(self.n_power_iterations):
                    new_v = _normalize(mat.detach().mT @ new_u, self.eps)
                    new_u = _normalize(mat.detach() @ new_v, self.eps)
                u.data, v.data = new_u, new_v  # the buffers keep their identity
        sigma = (u.detach() * (mat @ v.detach())).sum()
        return weight / sigma

    def __call__(self, module: Module) -> None:
        object.__setattr__(module, self.name,
                           self.compute_weight(module, do_power_iteration=module.training))


def _key(name: str) -> str:
    return f"spectral_norm:{name}"


def _default_dim(module: Module) -> int:
    # a transposed convolution keeps its output channels in dim 1
    return 1 if type(module).__name__.startswith("ConvTranspose") else 0


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Divide module.<name> by its largest singular value (estimated by power iteration) before
    every forward; dim: the output dim (None: 1 for ConvTranspose layers, 0 otherwise)."""
    if n_power_iterations <= 0:
        raise ValueError(f"spectral_norm: expected n_power_iterations to be positive, but got "
                         f"n_power_iterations={n_power_iterations}")
    if _key(name) in pre_forward.registered(module):
        raise RuntimeError(f"spectral_norm: cannot register two spectral_norm hooks on the same "
                           f"parameter {name} of {type(module).__name__}")
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"spectral_norm: {type(module).__name__} has no parameter '{name}'")
    fn = SpectralNorm(name, n_power_iterations, _default_dim(module) if dim is None else dim, eps)
    with no_grad():
        rows, cols = fn.as_matrix(weight).shape
        kw = dict(dtype=weight.dtype, device=weight.device)
        u, v = _normalize(randn(rows, **kw), eps), _normalize(randn(cols, **kw), eps)
    del module._parameters[name]
    module.register_parameter(name + "_orig", weight)
    object.__setattr__(module, name, weight.detach())
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    pre_forward.add(module, _key(name), fn)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo spectral_norm: module.<name> becomes a Parameter holding W / sigma (no iteration)."""
    fn = pre_forward.registered(module).get(_key(name))
    if fn is None:
        raise ValueError(f"remove_spectral_norm: spectral_norm of '{name}' not found in "
                         f"{type(module).__name__}")
    with no_grad():
        weight = fn.compute_weight(module, do_power_iteration=False).detach()
    pre_forward.remove(module, _key(name))
    module.__dict__.pop(name, None)
    for suffix in ("_u", "_v", "_orig"):
        delattr(module, name + suffix)
    module.register_parameter(name, Parameter(weight))
    return module
