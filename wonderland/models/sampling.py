"""Choosing the next token from a language model's logits, shared by every model that generates:
temperature (0 is greedy), top-k (only the k likeliest tokens) and top-p (nucleus: the fewest
likeliest tokens whose probabilities reach p)."""
from __future__ import annotations

import math

from .. import ops
from ..core.random import Generator
from ..core.tensor import Tensor
from ..functional import softmax


def filter_logits(logits: Tensor, top_k: int | None = None, top_p: float | None = None) -> Tensor:
    """logits (..., vocab) with every token outside the top-k and the top-p nucleus set to -inf.
    The likeliest token always stays, so at least one token remains."""
    vocab = logits.shape[-1]
    if top_k is not None:
        if not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"top_k must be a positive int, got {top_k!r}")
        if top_k < vocab:
            kth = ops.topk(logits, top_k, dim=-1)[0][..., -1:]
            logits = ops.where(logits < kth, -math.inf, logits)
    if top_p is not None:
        if not 0.0 < top_p <= 1.0:
            raise ValueError(f"top_p must be in (0, 1], got {top_p!r}")
        ordered, order = ops.sort(logits, dim=-1, descending=True)
        before = ops.cumsum(softmax(ordered, dim=-1), dim=-1) - softmax(ordered, dim=-1)
        # a token stays when the likelier ones before it have not yet reached p
        dropped = ops.scatter(ops.zeros_like(before), -1, order, (before >= top_p).float()) > 0
        logits = ops.where(dropped, -math.inf, logits)
    return logits


def sample_next(logits: Tensor, temperature: float = 1.0, top_k: int | None = None,
                top_p: float | None = None, generator: Generator | None = None) -> Tensor:
    """The next token of each row of logits (batch, vocab), as int64 of shape (batch, 1):
    the argmax when temperature is 0, else a draw from softmax(logits / temperature) restricted
    to the top-k and top-p tokens."""
    if logits.ndim != 2:
        raise ValueError(f"sample_next: expected logits (batch, vocab), got shape {logits.shape}")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature!r}")
    if temperature == 0:
        return ops.argmax(logits, dim=-1, keepdim=True)
    probs = softmax(filter_logits(logits / temperature, top_k, top_p), dim=-1)
    return ops.multinomial(probs, 1, generator=generator)
