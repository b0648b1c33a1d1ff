"""Linear maps and lookups: linear, bilinear, embedding; dropout and dropout2d."""
# ruff: noqa: A002  (PyTorch's argument name `input`)
from __future__ import annotations

import warnings

from ..core import dtype as dt
from ..core.random import Generator
from ..core.tensor import Tensor
from ..ops import arange, einsum, gather, rand, where
from ..ops.affine import affine
from ..ops.autocast import lower_precision
from .activations import written

__all__ = ["linear", "bilinear", "dropout", "dropout2d", "embedding"]


@lower_precision  # under autocast, in its dtype
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias, over any leading dimensions: (*, in) -> (*, out)."""
    if weight.ndim not in (1, 2):
        raise ValueError(f"linear: weight must be 1-D or 2-D (out_features, in_features), got "
                         f"shape {weight.shape}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        raise ValueError(f"linear: input of shape {input.shape} does not match weight of shape "
                         f"{weight.shape}: expected the input's last dimension to be "
                         f"{weight.shape[-1]}")
    if weight.ndim == 2 and (bias is None or bias.ndim == 1) and input.is_floating_point and (
            input.dtype == weight.dtype and (bias is None or bias.dtype == weight.dtype)):
        return affine(input, weight, bias)  # the fused primitive: one GEMM, no broadcasting
    out = input @ weight.t()  # mixed dtypes and vector weights: promotion and broadcasting
    return out if bias is None else out + bias


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """y_k = x1 . W_k . x2 + b_k: (*, in1) and (*, in2) with weight (out, in1, in2) -> (*, out)."""
    if weight.ndim != 3:
        raise ValueError(f"bilinear: weight must be 3-D (out_features, in1_features, "
                         f"in2_features), got shape {weight.shape}")
    _, n1, n2 = weight.shape
    if input1.ndim == 0 or input1.shape[-1] != n1 or input2.ndim == 0 or input2.shape[-1] != n2:
        raise ValueError(f"bilinear: inputs of shapes {input1.shape} and {input2.shape} do not "
                         f"match weight of shape {weight.shape}: expected (*, {n1}) and "
                         f"(*, {n2})")
    if input1.shape[:-1] != input2.shape[:-1]:
        raise ValueError(f"bilinear: inputs must have the same leading dimensions, got "
                         f"{input1.shape} and {input2.shape}")
    # autocast leaves bilinear alone, as PyTorch does
    out = einsum.__wrapped__("...i,kij,...j->...k", input1, weight, input2)
    return out if bias is None else out + bias


def _check_p(name: str, p: float, input: Tensor) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")
    if not input.is_floating_point:
        raise TypeError(f"{name}: expected a floating point input, got {input.dtype.name}")


def _drop(input: Tensor, p: float, mask_shape: tuple[int, ...], generator) -> Tensor:
    """input times a mask that is 0 with probability p and 1 / (1 - p) otherwise."""
    if p == 1.0:
        return input * 0.0
    u = rand(mask_shape, generator=generator, dtype=input.dtype, device=input.device)
    return input * ((u < 1.0 - p).to(input.dtype) * (1.0 / (1.0 - p)))


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
            generator: Generator | None = None) -> Tensor:
    """Zero each entry with probability p and scale the rest by 1 / (1 - p), so that the
    expectation is unchanged; the identity when not training. inplace=True writes the result
    into input, as PyTorch's."""
    _check_p("dropout", p, input)
    if not training or p == 0.0:
        return input
    return written("dropout", _drop, input, inplace, p, input.shape, generator)


def _feature_mask_shape(name: str, input: Tensor) -> tuple[int, ...]:
    """dropout2d's mask shape (N, C, 1, ...), with PyTorch's warnings for input that is not
    4-D: a 3-D input is read as (N, C, L), never as unbatched (C, H, W); 2-D or 5-D and more
    are deprecated but dropped the same way (a 2-D input's mask is elementwise)."""
    if input.ndim not in (3, 4):
        warnings.warn(f"{name}: Received a {input.ndim}-D input to dropout2d, which is "
                      "deprecated and will result in an error in a future release. To retain "
                      "the behavior and silence this warning, please use dropout instead. Note "
                      "that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 3D or 4D inputs).", stacklevel=3)
    if input.ndim == 3:
        warnings.warn(f"{name}: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape "
                      "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch "
                      "to using dropout1d instead.", stacklevel=3)
    if input.ndim < 2:
        raise ValueError(f"{name}: feature dropout requires at least 2 dimensions in the "
                         f"input, got shape {input.shape}")
    return input.shape[:2] + (1,) * (input.ndim - 2)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
              generator: Generator | None = None) -> Tensor:
    """Zero whole channels (input[n, c]) with probability p, scaling the rest by 1 / (1 - p).
    The input is (N, C, H, W); as PyTorch, with a warning, a 3-D input is read as (N, C, L)
    and 2-D or 5-D+ input is dropped per input[n, c] (elementwise for 2-D)."""
    _check_p("dropout2d", p, input)
    mask_shape = _feature_mask_shape("dropout2d", input)
    if not training or p == 0.0:
        return input
    return written("dropout2d", _drop, input, inplace, p, mask_shape, generator)


def check_lookup(name: str, input: Tensor, weight: Tensor) -> None:
    """An embedding's arguments: integer indices and a 2-D table, or an error naming `name`."""
    if not isinstance(input, Tensor) or input.dtype not in (dt.int64, dt.int32):
        got = input.dtype.name if isinstance(input, Tensor) else type(input).__name__
        raise TypeError(f"{name}: expected int64 or int32 indices, got {got}")
    if weight.ndim != 2:
        raise ValueError(f"{name}: weight must be 2-D (num_embeddings, embedding_dim), got "
                         f"shape {weight.shape}")


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of weight (num_embeddings, embedding_dim) picked by the integer input: shape
    input.shape + (embedding_dim,). The row padding_idx receives no gradient."""
    check_lookup("embedding", input, weight)
    n = weight.shape[0]
    values = input._values()
    if values.size and (values.min() < 0 or values.max() >= n):
        bad = int(values.min()) if values.min() < 0 else int(values.max())
        raise IndexError(f"embedding: index {bad} is out of range for {n} embeddings "
                         f"(expected 0 <= index < {n})")
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise ValueError(f"embedding: padding_idx {padding_idx} is out of range for {n} "
                             f"embeddings")
        pad_row = arange(n, device=weight.device).unsqueeze(-1) == padding_idx % n
        weight = where(pad_row, weight.detach(), weight)
    # gather rather than weight[input]: it also batches when the indices differ per example
    flat = input.to(dt.int64).reshape(-1, 1).expand(input.numel(), weight.shape[1])
    return gather(weight, 0, flat).reshape(*input.shape, weight.shape[1])
