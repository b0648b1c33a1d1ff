"""Gradient clipping, as torch.nn.utils: clip_grad_norm_ rescales all gradients together when
their joint p-norm exceeds max_norm (Pascanu et al., 2013, against exploding gradients in RNNs);
clip_grad_value_ clamps each gradient entry. Both change the .grad tensors in place."""
from __future__ import annotations

import math
from collections.abc import Iterable

from ...core.grad_mode import no_grad
from ...core.tensor import Tensor
from ...linalg.vector_norm import vector_norm  # the one p-norm, torch.linalg.vector_norm's
from ...ops.creation import tensor as _tensor
from ...ops.join import stack

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _as_list(parameters) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


@no_grad()
def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0,
                   error_if_nonfinite: bool = False) -> Tensor:
    """The norm of the norms of each tensor (= the norm of all of them concatenated), a 0-d tensor
    on the first tensor's device; 0 when there are none."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _tensor(0.0)
    first = tensors[0].device
    norms = [vector_norm(t.detach(), norm_type).to(device=first) for t in tensors]
    dtype = norms[0].dtype
    for n in norms[1:]:  # mixed precisions: the total is taken in the widest
        if n.dtype.itemsize > dtype.itemsize:
            dtype = n.dtype
    total = vector_norm(stack([n.to(dtype=dtype) for n in norms]), norm_type)
    if error_if_nonfinite and not math.isfinite(total.item()):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is non-finite, "
                           f"so it cannot be clipped; pass error_if_nonfinite=False to scale "
                           f"the gradients by it anyway")
    return total


@no_grad()
def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                          total_norm: Tensor) -> None:
    """Multiply every .grad in place by min(1, max_norm / (total_norm + 1e-6))."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    coef = (float(max_norm) / (total_norm.detach() + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.data = g.detach() * coef.to(device=g.device, dtype=g.dtype)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale the gradients of `parameters` in place so that their joint norm is at most max_norm
    (by max_norm / (total + 1e-6) when above); returns the total norm before clipping.

    norm_type: any p, or math.inf (largest entry). A non-finite total raises with
    error_if_nonfinite, and otherwise turns the gradients into nan as in PyTorch.
    `foreach` is accepted for PyTorch compatibility and ignored."""
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


@no_grad()
def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient entry into [-clip_value, clip_value] in place."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            p.grad.data = p.grad.detach().clamp(-clip_value, clip_value)
