"""parameters_to_vector and vector_to_parameters, as torch.nn.utils: all parameters as one flat
vector and back (for second-order methods, evolution strategies, weight averaging)."""
from __future__ import annotations

from collections.abc import Iterable

from ...core.grad_mode import no_grad
from ...core.tensor import Tensor
from ...ops import cat

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_device(param: Tensor, device) -> object:
    if device is not None and param.device != device:
        raise TypeError(f"parameters_to_vector/vector_to_parameters: found two parameters on "
                        f"different devices, {device} and {param.device}; these are not "
                        f"supported")
    return param.device


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters flattened and joined in order into one vector (differentiable)."""
    device, flat = None, []
    for p in parameters:
        device = _check_device(p, device)
        flat.append(p.reshape(-1))
    return cat(flat)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of vec into the parameters' values, in place (each parameter
    keeps its identity, so optimizers holding it see the new values). Values past the last
    parameter's are ignored, as in torch."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected a Tensor, but got {type(vec).__name__}")
    parameters = list(parameters)
    total = sum(p.numel() for p in parameters)
    if vec.ndim != 1 or vec.numel() < total:
        raise RuntimeError(f"vector_to_parameters: vec of shape {vec.shape} does not hold the "
                           f"{total} values of the parameters (a 1-D vector of at least {total} "
                           f"expected)")
    device, start = None, 0
    with no_grad():
        for p in parameters:
            device = _check_device(p, device)
            n = p.numel()
            p.data = vec[start:start + n].reshape(p.shape).to(dtype=p.dtype)
            start += n
