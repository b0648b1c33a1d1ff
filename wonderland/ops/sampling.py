"""Drawing from distributions given as tensors: multinomial (with and without replacement),
bernoulli, normal and poisson, each from the default generator or the one passed."""
from __future__ import annotations

from numbers import Number

import numpy as np

from ..core import dtype as dt
from ..core.grad_mode import no_grad
from ..core.random import Generator, get_generator
from ..core.tensor import Tensor
from .creation import _place, _shape, randn, tensor


def _values(name: str, x: Tensor) -> np.ndarray:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a tensor, got {type(x).__name__}")
    return np.asarray(x.detach().numpy(), dtype=np.float64)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator: Generator | None = None) -> Tensor:
    """Indices drawn from the rows of `input` (non-negative weights, 1-D or 2-D), `num_samples`
    per row, with or without replacement; an int64 tensor of shape (..., num_samples)."""
    w = _values("multinomial", input)
    if w.ndim not in (1, 2):
        raise ValueError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {input.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or "
                           "element < 0")
    rows = w.reshape(-1, w.shape[-1])
    if (rows.sum(-1) <= 0).any():
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of "
                           "probabilities <= 0)")
    n = int(num_samples)
    if n <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples, got {n}")
    rng = get_generator(generator)
    if replacement:
        out = np.stack([_draw_with_replacement(r, n, rng) for r in rows])
    else:
        if n > rows.shape[-1]:
            raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) "
                               f"samples without replacement ({n} > {rows.shape[-1]})")
        # Efraimidis and Spirakis: the n smallest Exp(1) / w keys are a draw without replacement;
        # classes of weight 0 (infinite keys) come last, as in PyTorch, once the others are drawn
        with np.errstate(divide="ignore"):
            keys = rng.exponential(size=rows.shape) / rows
        out = np.argsort(keys, axis=-1, kind="stable")[:, :n]
    return _place(out.reshape(w.shape[:-1] + (n,)).astype(np.int64), input.device, False)


def _draw_with_replacement(weights: np.ndarray, n: int, rng) -> np.ndarray:
    """Inverse-CDF draws; a class of weight 0 is never drawn, even at the last edge."""
    cdf = np.cumsum(weights)
    idx = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
    return np.minimum(idx, np.flatnonzero(weights)[-1])


def bernoulli(input: Tensor, p: float | None = None, *,  # noqa: A002  (PyTorch's names)
              generator: Generator | None = None) -> Tensor:
    """0/1 draws of input's shape and dtype, 1 with probability input (or the number p)."""
    probs = _values("bernoulli", input) if p is None else np.full(input.shape, float(p))
    if not ((probs >= 0) & (probs <= 1)).all():
        raise RuntimeError("bernoulli: expected all probabilities in [0, 1]")
    draws = get_generator(generator).random(probs.shape) < probs
    return _place(draws.astype(input.dtype.np_dtype), input.device, False)


def normal(mean, std=1.0, size=None, *, generator: Generator | None = None,
           dtype=None, device=None) -> Tensor:
    """Normal draws with elementwise `mean` and `std` (tensors or numbers, broadcast), or of
    `size` when both are numbers. As in PyTorch the draw passes no gradient to mean and std
    (their gradients are zero)."""
    if isinstance(mean, Number) and isinstance(std, Number):
        if size is None:
            raise TypeError("normal: with a number mean and std, pass size")
        if std < 0:
            raise RuntimeError(f"normal: expected std >= 0.0, got {std}")
        return mean + std * randn(_shape((size,) if isinstance(size, int) else size),
                                  generator=generator, dtype=dtype, device=device)
    like = mean if isinstance(mean, Tensor) else std
    m, s = (v if isinstance(v, Tensor) else tensor(float(v), dtype=like.dtype,
                                                   device=like.device) for v in (mean, std))
    if (_values("normal", s) < 0).any():
        raise RuntimeError("normal: expected all elements of std >= 0.0")
    with no_grad():
        shape = np.broadcast_shapes(m.shape, s.shape)
        draw = m + s * randn(shape, generator=generator, dtype=like.dtype, device=like.device)
    if m.requires_grad or s.requires_grad:  # PyTorch's draw is in the graph with zero slopes
        draw = draw + 0 * (m + s)
    return draw


def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:  # noqa: A002
    """Poisson counts with rates `input`, in input's dtype."""
    rates = _values("poisson", input)
    if not (rates >= 0).all():
        raise RuntimeError("poisson: expected all rates >= 0 (and not nan)")
    counts = get_generator(generator).poisson(rates)
    d = input.dtype if input.dtype.is_floating_point else dt.float32
    return _place(counts.astype(d.np_dtype), input.device, False)
