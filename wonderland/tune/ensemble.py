"""Ensembles: several classifiers as one nn.Module whose output combines theirs (mean of
probabilities, mean of logits, or a majority vote), and ensemble_predict for class labels."""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from ..core.grad_mode import no_grad
from ..core.tensor import Tensor
from ..functional import log_softmax, softmax
from ..nn.containers import ModuleList
from ..nn.module import Module
from ..ops import as_tensor, cat, exp, log, logsumexp, movedim, one_hot, stack

COMBINES = ("mean_prob", "mean_logits", "vote")
OUTPUTS = ("log_prob", "prob")


class Ensemble(Module):
    """Members called on the same input; their class scores combined into one distribution.

    combine:
      'mean_prob'   (default) p = sum_i w_i softmax(z_i): the average of the members'
                    probabilities, computed as logsumexp_i(log_softmax(z_i) + log w_i).
      'mean_logits' p = softmax(sum_i w_i z_i): the average of the logits, then softmax.
      'vote'        p[c] = the (weighted) share of members whose argmax is c. Hard votes carry
                    no gradient; argmax breaks ties toward the lowest class, as sklearn's
                    hard VotingClassifier.
    output='log_prob' (default) returns log p, ready for F.nll_loss and for argmax accuracy
    (log 0 = -inf where no member voted); output='prob' returns p. Members return logits (or
    any unnormalised class scores) with classes along `dim` (default 1, or 0 for 1-D scores).
    weights: one non-negative weight per member, normalised to sum 1 (default: equal)."""

    def __init__(self, models: Iterable[Module], combine: str = "mean_prob",
                 weights: Sequence[float] | None = None, output: str = "log_prob",
                 dim: int | None = None) -> None:
        super().__init__()
        self.members = ModuleList(models)
        if not len(self.members):
            raise ValueError("Ensemble: needs at least one model")
        if combine not in COMBINES:
            raise ValueError(f"Ensemble: combine must be one of {COMBINES}, got {combine!r}")
        if output not in OUTPUTS:
            raise ValueError(f"Ensemble: output must be one of {OUTPUTS}, got {output!r}")
        self.combine, self.output, self.dim = combine, output, dim
        self.weights = _normalised(weights, len(self.members))

    def forward(self, *args, **kwargs) -> Tensor:
        return combine_scores([m(*args, **kwargs) for m in self.members], self.combine,
                              self.weights, self.output, self.dim)

    def __len__(self) -> int:
        return len(self.members)

    def extra_repr(self) -> str:
        return f"{len(self)} members, combine={self.combine!r}, output={self.output!r}"


def _normalised(weights: Sequence[float] | None, m: int) -> list[float]:
    if weights is None:
        return [1.0 / m] * m
    w = [float(x) for x in weights]
    if len(w) != m:
        raise ValueError(f"Ensemble: {m} members but {len(w)} weights")
    if any(x < 0 or not math.isfinite(x) for x in w) or sum(w) <= 0:
        raise ValueError(f"Ensemble: weights must be finite, non-negative, not all 0; got {w}")
    return [x / sum(w) for x in w]


def combine_scores(scores: Sequence[Tensor], combine: str = "mean_prob",
                   weights: Sequence[float] | None = None, output: str = "log_prob",
                   dim: int | None = None) -> Tensor:
    """Combine the members' class scores (logits) as Ensemble does; see its docstring."""
    if combine not in COMBINES:
        raise ValueError(f"combine must be one of {COMBINES}, got {combine!r}")
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
    w = _normalised(weights, len(scores))
    shape = scores[0].shape
    for i, z in enumerate(scores):
        if z.shape != shape:
            raise ValueError(f"ensemble: member {i} returned shape {z.shape}, member 0 {shape}")
    d = (1 if len(shape) >= 2 else 0) if dim is None else dim % len(shape)
    used = [(z, wi) for z, wi in zip(scores, w) if wi > 0]
    if combine == "mean_logits":
        mean = sum((z * wi for z, wi in used[1:]), used[0][0] * used[0][1])
        return (log_softmax if output == "log_prob" else softmax)(mean, dim=d)
    if combine == "mean_prob":
        terms = [log_softmax(z, dim=d) + math.log(wi) for z, wi in used]
        logp = logsumexp(stack(terms), dim=0)
        return logp if output == "log_prob" else exp(logp)
    with no_grad(), np.errstate(divide="ignore"):  # vote: hard decisions, no gradient
        classes = shape[d]
        shares = sum(movedim(one_hot(z.argmax(d), classes), -1, d).to(dtype=z.dtype) * wi
                     for z, wi in used)
        return log(shares) if output == "log_prob" else shares


def ensemble_predict(models: Ensemble | Iterable[Module], x, *, combine: str = "mean_prob",
                     weights: Sequence[float] | None = None, batch_size: int | None = None,
                     proba: bool = False) -> Tensor:
    """Class labels (int64) the ensemble predicts for inputs x, or with proba=True the combined
    probabilities. Runs the members in eval mode without recording gradients, in batches of
    batch_size rows if given, and puts each member back in the mode it was in.

    `models` is an Ensemble (its combine and weights are used) or an iterable of modules."""
    ens = models if isinstance(models, Ensemble) else Ensemble(models, combine, weights)
    x = x if isinstance(x, Tensor) else as_tensor(x)
    modes = [m.training for m in ens.modules()]
    ens.eval()
    try:
        with no_grad():
            step = len(x) if batch_size is None else int(batch_size)
            if step <= 0:
                raise ValueError(f"ensemble_predict: batch_size must be positive, got {step}")
            parts = [combine_scores([m(x[i:i + step]) for m in ens.members], ens.combine,
                                    ens.weights, "prob", ens.dim)
                     for i in range(0, len(x), step)]
            probs = parts[0] if len(parts) == 1 else cat(parts, 0)
    finally:
        for m, mode in zip(ens.modules(), modes):
            object.__setattr__(m, "training", mode)
    if proba:
        return probs
    d = (1 if probs.ndim >= 2 else 0) if ens.dim is None else ens.dim
    return probs.argmax(d)
