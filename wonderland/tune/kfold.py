"""k-fold cross-validation: seeded (optionally stratified) fold indices, and cross_validate, which
fits and scores a model once per fold on wonderland.data.Subset views of one dataset."""
from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ..data.dataset import Dataset, Subset

Score = float | dict[str, float]


def _fold_sizes(n: int, k: int) -> np.ndarray:
    """n split into k sizes differing by at most 1, the larger ones first (as sklearn's KFold)."""
    sizes = np.full(k, n // k, dtype=np.int64)
    sizes[: n % k] += 1
    return sizes


def _plain_folds(n: int, k: int, rng: np.random.Generator | None) -> np.ndarray:
    """The validation fold of every index: consecutive blocks of (shuffled) indices."""
    order = rng.permutation(n) if rng is not None else np.arange(n)
    fold_of = np.empty(n, dtype=np.int64)
    fold_of[order] = np.repeat(np.arange(k), _fold_sizes(n, k))
    return fold_of


def _stratified_folds(labels: np.ndarray, k: int, rng: np.random.Generator | None) -> np.ndarray:
    """The validation fold of every index, keeping each class's share in every fold.

    Classes are taken in order of first appearance and their examples lined up one class after
    another; position p of that line-up is dealt to fold p mod k. So every fold gets, of every
    class, its share rounded up or down, and the fold sizes differ by at most 1. Within a class
    the examples then fill their folds in blocks, in data order (or shuffled order)."""
    n = len(labels)
    _, first, codes = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    codes = rank[codes.reshape(-1)]
    counts = np.bincount(codes)
    if (counts < k).any():
        warnings.warn(f"kfold_indices: the smallest class has {counts.min()} members, fewer "
                      f"than k={k}: some folds get none of it", UserWarning, stacklevel=3)
    line = np.repeat(np.arange(len(counts)), counts)          # class of each line-up position
    deal = np.arange(n) % k                                   # fold of each line-up position
    fold_of = np.empty(n, dtype=np.int64)
    for c in range(len(counts)):
        members = np.flatnonzero(codes == c)
        if rng is not None:
            members = rng.permutation(members)
        fold_of[members] = np.sort(deal[line == c])           # blocks: fold 0's first, ...
    return fold_of


def kfold_indices(n: int, k: int = 5, shuffle: bool = True, seed: int | None = 0,
                  stratify: Sequence | np.ndarray | None = None
                  ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (train_idx, val_idx) for each of k folds of range(n), both sorted int64 arrays.

    Every index is in exactly one validation fold and fold sizes differ by at most 1 (the first
    n % k folds are the larger). shuffle=False gives sklearn KFold's folds exactly (consecutive
    blocks); shuffle=True permutes first with np.random.default_rng(seed). `stratify`: one class
    label per index, so that each fold holds every class in (nearly) its overall proportion, with
    the same per-fold class counts as sklearn's StratifiedKFold."""
    n, k = int(n), int(k)
    if k < 2:
        raise ValueError(f"kfold_indices: k must be at least 2, got {k}")
    if k > n:
        raise ValueError(f"kfold_indices: cannot split {n} examples into k={k} folds")
    rng = np.random.default_rng(seed) if shuffle else None
    if stratify is None:
        fold_of = _plain_folds(n, k, rng)
    else:
        labels = np.asarray(stratify)
        if labels.ndim != 1 or len(labels) != n:
            raise ValueError(f"kfold_indices: stratify needs one label per example ({n}), got "
                             f"shape {labels.shape}")
        fold_of = _stratified_folds(labels, k, rng)
    return ((np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(k))


@dataclass
class CVResult:
    """The scores of a cross-validation, one per fold (a float, or a dict of named floats).

    `scores` is an array of the fold scores (a dict of arrays when the folds returned dicts);
    `mean` and `std` reduce over folds the same way, std with ddof=0 as np.std."""

    fold_scores: list[Score]

    def _by_metric(self, reduce: Callable[[np.ndarray], object]):
        first = self.fold_scores[0]
        if isinstance(first, dict):
            return {name: reduce(np.array([float(s[name]) for s in self.fold_scores]))
                    for name in first}
        return reduce(np.array([float(s) for s in self.fold_scores]))

    @property
    def scores(self) -> np.ndarray | dict[str, np.ndarray]:
        return self._by_metric(lambda a: a)

    @property
    def mean(self) -> float | dict[str, float]:
        return self._by_metric(lambda a: float(a.mean()))

    @property
    def std(self) -> float | dict[str, float]:
        return self._by_metric(lambda a: float(a.std()))

    def __len__(self) -> int:
        return len(self.fold_scores)

    def __repr__(self) -> str:
        mean, std = self.mean, self.std
        if isinstance(mean, dict):
            body = ", ".join(f"{m}={mean[m]:.4g}±{std[m]:.2g}" for m in mean)
        else:
            body = f"{mean:.4g}±{std:.2g}"
        return f"CVResult({len(self)} folds: {body})"


def _labels_of(dataset: Dataset) -> np.ndarray:
    """The dataset's `targets` if it has them, else the second element of every sample."""
    targets = getattr(dataset, "targets", None)
    if targets is not None:
        return np.asarray(targets)
    return np.array([np.asarray(dataset[i][1]).item() for i in range(len(dataset))])


def cross_validate(fit_and_score: Callable[[Subset, Subset, int], Score], dataset: Dataset,
                   k: int = 5, seed: int | None = 0,
                   stratify: Sequence | np.ndarray | bool | None = None,
                   shuffle: bool = True) -> CVResult:
    """Call fit_and_score(train_subset, val_subset, fold) for each fold of kfold_indices and
    collect what it returns (a float, or a dict of floats with the same keys every fold).

    `stratify`: labels, one per example, or True to take them from `dataset.targets` (or from
    each sample's second element). fit_and_score should build a fresh model every call."""
    n = len(dataset)
    labels = _labels_of(dataset) if stratify is True else (
        None if stratify is None or stratify is False else stratify)
    scores: list[Score] = []
    for fold, (train_idx, val_idx) in enumerate(kfold_indices(n, k, shuffle, seed, labels)):
        score = fit_and_score(Subset(dataset, train_idx), Subset(dataset, val_idx), fold)
        if isinstance(score, dict):
            if scores and (not isinstance(scores[0], dict) or set(score) != set(scores[0])):
                raise ValueError(f"cross_validate: fold {fold} returned metrics "
                                 f"{sorted(score)}, earlier folds {_keys(scores[0])}")
            score = {name: float(v) for name, v in score.items()}
        else:
            if scores and isinstance(scores[0], dict):
                raise ValueError(f"cross_validate: fold {fold} returned a number, earlier "
                                 f"folds a dict")
            score = float(score)
        scores.append(score)
    return CVResult(scores)


def _keys(score: Score) -> list[str] | str:
    return sorted(score) if isinstance(score, dict) else "a number"
