"""k-fold indices against sklearn's KFold / StratifiedKFold, and cross_validate on Subsets."""
import numpy as np
import pytest
from sklearn.model_selection import KFold, StratifiedKFold

import wonderland as wl
import wonderland.tune as tune
from wonderland.data import Subset, TensorDataset

SIZES = [(10, 2), (10, 3), (17, 5), (100, 7), (6, 6)]


def _check_partition(folds, n, k):
    assert len(folds) == k
    val = np.concatenate([v for _, v in folds])
    assert sorted(val.tolist()) == list(range(n))  # every index in exactly one validation fold
    sizes = [len(v) for _, v in folds]
    assert max(sizes) - min(sizes) <= 1
    for train, v in folds:
        assert train.dtype == np.int64 and v.dtype == np.int64
        assert np.all(np.diff(train) > 0) and np.all(np.diff(v) > 0)  # sorted, no repeats
        assert len(np.intersect1d(train, v)) == 0 and len(train) + len(v) == n


@pytest.mark.parametrize("n,k", SIZES)
def test_unshuffled_folds_are_sklearn_kfold(n, k):
    ours = list(tune.kfold_indices(n, k, shuffle=False))
    _check_partition(ours, n, k)
    for (tr, va), (str_, sva) in zip(ours, KFold(k).split(np.zeros(n)), strict=True):
        np.testing.assert_array_equal(tr, str_)
        np.testing.assert_array_equal(va, sva)


@pytest.mark.parametrize("n,k", SIZES)
def test_shuffled_folds_have_sklearn_sizes_and_follow_the_seed(n, k):
    ours = list(tune.kfold_indices(n, k, shuffle=True, seed=3))
    _check_partition(ours, n, k)
    theirs = KFold(k, shuffle=True, random_state=3).split(np.zeros(n))
    assert [len(v) for _, v in ours] == [len(v) for _, v in theirs]
    again = list(tune.kfold_indices(n, k, seed=3))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(ours, again))
    other = list(tune.kfold_indices(n, k, seed=4))
    if n > k:
        assert any(not np.array_equal(a[1], b[1]) for a, b in zip(ours, other))


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("n,k,classes", [(60, 5, 3), (101, 4, 5), (23, 3, 2)])
def test_stratified_folds_match_sklearn_class_counts(n, k, classes, shuffle):
    rng = np.random.default_rng(n)
    y = rng.choice(np.array([7, -1, 3, 12, 5])[:classes], size=n, p=None)
    ours = list(tune.kfold_indices(n, k, shuffle=shuffle, seed=1, stratify=y))
    _check_partition(ours, n, k)
    skf = StratifiedKFold(k, shuffle=shuffle, random_state=1 if shuffle else None)
    theirs = list(skf.split(np.zeros(n), y))
    assert [len(v) for _, v in ours] == [len(v) for _, v in theirs]
    for (_, va), (_, sva) in zip(ours, theirs):
        for c in np.unique(y):  # the same number of each class in each fold as sklearn
            assert (y[va] == c).sum() == (y[sva] == c).sum()
        if not shuffle:  # and unshuffled, the very same folds
            np.testing.assert_array_equal(va, sva)


def test_stratified_keeps_proportions_under_shuffle():
    y = np.repeat([0, 1], [90, 10])
    for _, va in tune.kfold_indices(100, 5, seed=0, stratify=y):
        assert (y[va] == 1).sum() == 2 and len(va) == 20


def test_kfold_errors():
    with pytest.raises(ValueError, match="at least 2"):
        tune.kfold_indices(10, 1)
    with pytest.raises(ValueError, match="cannot split 3"):
        tune.kfold_indices(3, 4)
    with pytest.raises(ValueError, match="one label per example"):
        tune.kfold_indices(10, 2, stratify=[0, 1])
    with pytest.warns(UserWarning, match="fewer than k=3"):
        list(tune.kfold_indices(7, 3, stratify=[0, 0, 0, 0, 0, 1, 1]))


def _dataset(n=30):
    x = wl.tensor(np.arange(n, dtype=np.float32).reshape(n, 1))
    return TensorDataset(x, wl.tensor(np.arange(n) % 3))


def test_cross_validate_gives_each_fold_subsets_and_aggregates():
    ds = _dataset()
    seen = []

    def fit_and_score(train, val, fold):
        assert isinstance(train, Subset) and isinstance(val, Subset) and train.dataset is ds
        assert not set(train.indices) & set(val.indices)
        seen.extend(val.indices)
        return float(np.mean([float(val[i][0].item()) for i in range(len(val))])) + fold

    res = tune.cross_validate(fit_and_score, ds, k=3, seed=0)
    assert sorted(seen) == list(range(30)) and len(res) == 3
    np.testing.assert_allclose(res.mean, np.mean(res.scores))
    np.testing.assert_allclose(res.std, np.std(res.scores))
    assert "3 folds" in repr(res)


def test_cross_validate_dict_scores_and_stratify_from_targets():
    ds = _dataset()

    def fit_and_score(train, val, fold):
        labels = [int(val[i][1].item()) for i in range(len(val))]
        return {"fold": fold, "class0": labels.count(0)}

    res = tune.cross_validate(fit_and_score, ds, k=5, stratify=True)
    np.testing.assert_array_equal(res.scores["fold"], [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(res.scores["class0"], [2] * 5)  # 10 of class 0, 2 per fold
    assert res.mean == {"fold": 2.0, "class0": 2.0} and res.std["class0"] == 0.0
    assert "class0=" in repr(res)


def test_cross_validate_rejects_changing_metrics():
    with pytest.raises(ValueError, match="fold 1 returned metrics"):
        tune.cross_validate(lambda tr, va, f: {"a": 1.0} if f == 0 else {"b": 1.0},
                            _dataset(), k=2)
    with pytest.raises(ValueError, match="returned a number"):
        tune.cross_validate(lambda tr, va, f: {"a": 1.0} if f == 0 else 1.0, _dataset(), k=2)
