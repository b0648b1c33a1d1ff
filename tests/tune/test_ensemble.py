"""Ensembles: identical members change nothing, combines match hand computation, gradients
check out, and independently trained digit classifiers beat their average member."""
import numpy as np
import pytest

import wonderland as wl
import wonderland.nn.functional as F
from wonderland.autograd import gradcheck
from wonderland.tune import Ensemble, combine_scores, ensemble_predict


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def _members(k=3, seed=0):
    wl.manual_seed(seed)
    return [wl.nn.Sequential(wl.nn.Linear(4, 6), wl.nn.Tanh(), wl.nn.Linear(6, 5))
            for _ in range(k)]


def _np(t):
    return t.detach().numpy()


@pytest.mark.parametrize("combine", ["mean_prob", "mean_logits", "vote"])
def test_ensemble_of_one_model_repeated_is_the_model(combine):
    m = _members(1)[0]
    x = wl.randn(8, 4)
    z = _np(m(x))
    out = Ensemble([m, m, m], combine)(x)
    if combine == "vote":
        expect = np.eye(5)[z.argmax(1)]
        np.testing.assert_array_equal(np.exp(_np(out)), expect)
    else:
        np.testing.assert_allclose(_np(out), np.log(_softmax(z)), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(_np(out.argmax(1)), z.argmax(1))


def test_three_models_match_hand_computed_means():
    ms = _members(3)
    x = wl.randn(10, 4)
    zs = np.stack([_np(m(x)) for m in ms])  # (3, 10, 5)
    w = np.array([1.0, 2.0, 5.0])
    cases = {
        ("mean_prob", None): _softmax(zs).mean(0),
        ("mean_logits", None): _softmax(zs.mean(0)),
        ("vote", None): np.eye(5)[zs.argmax(2)].mean(0),
        ("mean_prob", tuple(w)): np.einsum("m,mnc->nc", w / w.sum(), _softmax(zs)),
        ("mean_logits", tuple(w)): _softmax(np.einsum("m,mnc->nc", w / w.sum(), zs)),
        ("vote", tuple(w)): np.einsum("m,mnc->nc", w / w.sum(), np.eye(5)[zs.argmax(2)]),
    }
    for (combine, weights), expect in cases.items():
        prob = Ensemble(ms, combine, weights, output="prob")(x)
        logp = Ensemble(ms, combine, weights)(x)
        np.testing.assert_allclose(_np(prob), expect, rtol=1e-5, atol=1e-7)
        with np.errstate(divide="ignore"):
            np.testing.assert_allclose(_np(logp), np.log(expect), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(_np(prob).sum(1), 1.0, rtol=1e-6)
        labels = ensemble_predict(ms, x, combine=combine, weights=weights)
        np.testing.assert_array_equal(labels.numpy(), expect.argmax(1))


def test_zero_weight_members_are_ignored():
    ms = _members(3)
    x = wl.randn(6, 4)
    out = Ensemble(ms, weights=[0.0, 1.0, 0.0])(x)
    np.testing.assert_allclose(_np(out), _np(F.log_softmax(ms[1](x), dim=1)), rtol=1e-5,
                               atol=1e-6)


def test_class_dimension_other_than_last():
    rng = np.random.default_rng(0)
    zs = rng.normal(size=(3, 2, 4, 7))  # (members, N, C, L): classes along dim 1
    for combine, expect in [("mean_prob", _softmax(zs, axis=2).mean(0)),
                            ("vote", np.moveaxis(np.eye(4)[zs.argmax(2)], -1, 2).mean(0))]:
        out = combine_scores([wl.tensor(z) for z in zs], combine, output="prob")
        np.testing.assert_allclose(_np(out), expect, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("combine", ["mean_prob", "mean_logits"])
def test_gradients_of_the_combination(combine):
    rng = np.random.default_rng(1)
    zs = [wl.tensor(rng.normal(size=(3, 4)), dtype=wl.float64, requires_grad=True)
          for _ in range(3)]
    assert gradcheck(lambda a, b, c: combine_scores([a, b, c], combine, [0.2, 0.3, 0.5]), zs)


def test_ensemble_is_a_module_trainable_with_nll_loss():
    ms = _members(3)
    ens = Ensemble(ms)
    assert len(ens) == 3 and len(list(ens.parameters())) == 12
    assert "members.2.2.bias" in ens.state_dict()
    ens.eval()
    assert not any(m.training for m in ms)
    ens.train()
    x, y = wl.randn(16, 4), wl.randint(0, 5, (16,))
    loss = F.nll_loss(ens(x), y)
    loss.backward()
    assert all(p.grad is not None and np.abs(_np(p.grad)).sum() > 0 for p in ens.parameters())
    # -log of the mean probability is at most the mean of the members' -log p (Jensen)
    members = np.mean([float(F.cross_entropy(m(x), y).item()) for m in ms])
    assert float(loss.item()) <= members + 1e-6
    assert "3 members" in repr(ens)


def test_ensemble_predict_batches_modes_and_proba():
    ms = _members(3)
    ms[1].train(False)
    x = wl.randn(25, 4)
    full = ensemble_predict(ms, x)
    assert full.dtype == wl.int64 and full.shape == (25,)
    np.testing.assert_array_equal(ensemble_predict(ms, x.numpy(), batch_size=7).numpy(),
                                  full.numpy())
    proba = ensemble_predict(Ensemble(ms, "mean_logits"), x, proba=True)
    assert proba.shape == (25, 5) and not proba.requires_grad
    np.testing.assert_allclose(proba.numpy().sum(1), 1.0, rtol=1e-6)
    assert [m.training for m in ms] == [True, False, True]  # modes put back


def test_errors():
    ms = _members(2)
    with pytest.raises(ValueError, match="at least one"):
        Ensemble([])
    with pytest.raises(ValueError, match="combine must be"):
        Ensemble(ms, "median")
    with pytest.raises(ValueError, match="output must be"):
        Ensemble(ms, output="logits")
    with pytest.raises(ValueError, match="2 members but 3 weights"):
        Ensemble(ms, weights=[1, 1, 1])
    with pytest.raises(ValueError, match="non-negative"):
        Ensemble(ms, weights=[1, -1])
    with pytest.raises(ValueError, match="member 1 returned shape"):
        combine_scores([wl.zeros(2, 3), wl.zeros(2, 4)])
    with pytest.raises(ValueError, match="batch_size"):
        ensemble_predict(ms, wl.randn(3, 4), batch_size=0)


def test_trained_digit_classifiers_ensemble_beats_the_average_member():
    from wonderland.data.datasets import Digits

    train, test = Digits(train=True, seed=0), Digits(train=False, seed=0)
    x, y = wl.tensor(train.data), wl.tensor(train.targets)
    xt, yt = wl.tensor(test.data), test.targets

    def fit(seed, steps=60):
        wl.manual_seed(seed)
        rng = np.random.default_rng(seed)
        m = wl.nn.Sequential(wl.nn.Linear(64, 32), wl.nn.ReLU(), wl.nn.Linear(32, 10))
        opt = wl.optim.Adam(m.parameters(), lr=1e-2)
        for _ in range(steps):
            idx = wl.tensor(rng.choice(len(train), 128, replace=False))
            loss = F.cross_entropy(m(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        return m

    members = [fit(seed) for seed in range(5)]
    accs = [float((ensemble_predict([m], xt).numpy() == yt).mean()) for m in members]
    ens = Ensemble(members)
    acc = float((ensemble_predict(ens, xt).numpy() == yt).mean())
    assert acc >= np.mean(accs) and acc > 0.9, (acc, accs)
    with wl.no_grad():
        nll = float(F.nll_loss(ens(xt), wl.tensor(yt)).item())
        member_nll = np.mean([float(F.cross_entropy(m(xt), wl.tensor(yt)).item())
                              for m in members])
    assert nll <= member_nll
