"""The Trainer: it does what a plain loop does, logs what it says, stops when told (and on
Ctrl-C, with a checkpoint), clips, and refuses bad settings with clear errors."""
import json
import os
import signal

import numpy as np
import pytest

import wonderland as wl
from wonderland import nn
from wonderland.data import DataLoader, TensorDataset
from wonderland.functional import cross_entropy
from wonderland.optim import SGD, clip_grad_norm_
from wonderland.train import StopTraining, Trainer, TrainingInterrupted, evaluate, read_metrics


def _data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 1)
    return TensorDataset(wl.tensor(x), wl.tensor(y))


def _model(seed=0):
    wl.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))


def _trainer(tmp_path=None, steps=12, **kw):
    model = _model()
    kw.setdefault("val_loader", DataLoader(_data(30, 1), batch_size=7))
    return Trainer(model, SGD(model.parameters(), lr=0.1), DataLoader(_data(), batch_size=8,
                   shuffle=True, seed=2), steps=steps, progress=False,
                   run_dir=tmp_path, **kw)


def test_matches_a_plain_loop():
    trainer = _trainer(steps=20)  # 8 batches per epoch: crosses two epoch boundaries
    trainer.fit()
    model = _model()
    opt = SGD(model.parameters(), lr=0.1)
    loader, step = DataLoader(_data(), batch_size=8, shuffle=True, seed=2), 0
    while step < 20:
        for x, y in loader:
            if step == 20:
                break
            opt.zero_grad()
            cross_entropy(model(x), y).backward()
            opt.step()
            step += 1
    for a, b in zip(trainer.model.parameters(), model.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert trainer.epoch == 2 and trainer.batch_in_epoch == 4


def test_evaluate_is_the_mean_over_the_whole_set():
    model, data = _model(), _data(30, 1)
    got = evaluate(model, DataLoader(data, batch_size=7))  # uneven batches: weighted by size
    x, y = data.tensors
    out = model(x)
    assert got["loss"] == pytest.approx(cross_entropy(out, y).item(), rel=1e-6)
    assert got["accuracy"] == pytest.approx(np.mean(out.detach().numpy().argmax(1) == y.numpy()))
    assert model.training


def test_run_directory_contents(tmp_path):
    trainer = _trainer(tmp_path, steps=12, eval_every=5, log_every=4, checkpoint_every=6,
                       config={"recipe": "toy", "lr": 0.1})
    final = trainer.fit()
    assert json.loads((tmp_path / "config.json").read_text()) == {"recipe": "toy", "lr": 0.1}
    records = read_metrics(tmp_path)
    assert [(r["split"], r["step"]) for r in records] == [
        ("train", 4), ("val", 5), ("train", 8), ("val", 10), ("train", 12), ("val", 12)]
    assert records[-1]["loss"] == final["loss"] and "accuracy" in final
    assert records[0]["lr"] == 0.1 and records[0]["samples_per_s"] > 0
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = wl.load(tmp_path / "model.safetensors")
    for name, p in trainer.model.state_dict().items():
        np.testing.assert_array_equal(saved[name].numpy(), p.detach().numpy())
    assert wl.load_state(tmp_path / "checkpoint.safetensors")["position"]["step"] == 12
    assert (tmp_path / "best.safetensors").exists()


def test_a_finished_run_resumes_to_nothing_and_can_be_extended(tmp_path):
    _trainer(tmp_path, steps=6, eval_every=3).fit()
    again = _trainer(tmp_path, steps=6, eval_every=3)
    again.fit()
    assert again.resumed_from == 6 and again.step == 6
    longer = _trainer(tmp_path, steps=10, eval_every=3)
    longer.fit()
    whole = _trainer(None, steps=10, eval_every=3)
    whole.fit()
    for a, b in zip(longer.model.parameters(), whole.model.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_early_stopping_counts_evaluations_without_improvement():
    trainer = _trainer(steps=100, eval_every=5, patience=2)
    trainer.optimizer.param_groups[0]["lr"] = 0.0  # the validation loss never improves
    trainer.fit()
    assert trainer.stopped_early and trainer.step == 15  # best at 5; no better at 10 and 15


def test_early_stopping_on_a_metric_to_maximise():
    seen = []
    trainer = _trainer(steps=40, eval_every=4, patience=3, monitor="accuracy", mode="max",
                       on_eval=[lambda t, m: seen.append(m["accuracy"])])
    trainer.fit()
    # accuracy climbs to its best at step 12, then ties it: a tie is no improvement
    assert seen[:3] == sorted(seen[:3]) and seen[3:] == [seen[2]] * 3
    assert trainer.stopped_early and trainer.step == 24 and trainer.best == -seen[2]


def test_hook_can_stop_training(tmp_path):
    def stop(trainer, record):
        if trainer.step == 3:
            raise StopTraining

    trainer = _trainer(tmp_path, steps=50, on_step=[stop])
    trainer.fit()
    assert trainer.step == 3 and trainer.stopped_early
    assert wl.load_state(tmp_path / "checkpoint.safetensors")["position"]["step"] == 3


def _press_ctrl_c(at_step: int, times: int = 1):
    """An on_step hook sending SIGINT to this process `times` times after step `at_step`."""
    def hook(trainer, record):
        if trainer.step == at_step:
            for _ in range(times):
                os.kill(os.getpid(), signal.SIGINT)
    return hook


def test_ctrl_c_saves_a_checkpoint_at_that_step_and_stops(tmp_path):
    before = signal.getsignal(signal.SIGINT)
    trainer = _trainer(tmp_path, steps=50, eval_every=2, on_step=[_press_ctrl_c(3)])
    with pytest.raises(TrainingInterrupted) as stopped:
        trainer.fit()
    assert isinstance(stopped.value, KeyboardInterrupt) and stopped.value.step == 3
    assert wl.load_state(tmp_path / "checkpoint.safetensors")["position"]["step"] == 3
    assert not (tmp_path / "model.safetensors").exists()  # the run is not finished
    assert signal.getsignal(signal.SIGINT) is before  # Ctrl-C behaves as usual again
    resumed = _trainer(tmp_path, steps=6, eval_every=2)  # (exactness: tests/train/test_interrupt)
    resumed.fit()
    assert resumed.resumed_from == 3 and resumed.step == 6


def test_a_second_ctrl_c_interrupts_at_once(tmp_path):
    trainer = _trainer(tmp_path, steps=50, checkpoint_every=2, on_step=[_press_ctrl_c(3, 2)])
    with pytest.raises(KeyboardInterrupt) as stopped:
        trainer.fit()
    assert not isinstance(stopped.value, TrainingInterrupted)
    assert wl.load_state(tmp_path / "checkpoint.safetensors")["position"]["step"] == 2


def test_without_a_run_directory_ctrl_c_interrupts_at_once():
    # Python's own Ctrl-C, whatever this process inherited: a background job of a shell without
    # job control starts with SIGINT ignored
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt) as stopped:
            _trainer(steps=50, on_step=[_press_ctrl_c(3)]).fit()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert not isinstance(stopped.value, TrainingInterrupted)


def test_save_best_off_keeps_no_best_weights(tmp_path):
    _trainer(tmp_path, steps=6, eval_every=2, save_best=False).fit()
    assert [r["split"] for r in read_metrics(tmp_path)].count("val") == 3
    assert not (tmp_path / "best.safetensors").exists()


def test_a_fresh_start_clears_what_the_last_run_left(tmp_path):
    _trainer(tmp_path, steps=6, eval_every=2).fit()
    (tmp_path / "results.json").write_text("{}")
    fresh = _trainer(tmp_path, steps=50, eval_every=100, log_every=1, save_best=False,
                     on_step=[_press_ctrl_c(2)])
    with pytest.raises(TrainingInterrupted):
        fresh.fit(resume=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".lock", "checkpoint.safetensors", "config.json", "metrics.jsonl"]


def test_on_start_sees_where_the_run_starts(tmp_path):
    seen = []
    _trainer(tmp_path, steps=4, on_start=[lambda t: seen.append(t.step)]).fit()
    _trainer(tmp_path, steps=6, on_start=[lambda t: seen.append(t.step)]).fit()
    assert seen == [0, 4]


def test_gradient_clipping_is_applied_before_the_update():
    trainer = _trainer(steps=1, clip_grad_norm=0.01)
    x, y = next(iter(trainer.train_loader))
    model = _model()
    cross_entropy(model(x), y).backward()
    clip_grad_norm_(model.parameters(), 0.01)
    expected = [p.detach().numpy() - 0.1 * p.grad.numpy() for p in model.parameters()]
    trainer.train_step(x, y)
    for p, e in zip(trainer.model.parameters(), expected):
        np.testing.assert_allclose(p.detach().numpy(), e, rtol=1e-6, atol=1e-7)


def test_a_diverging_loss_is_an_error():
    trainer = _trainer(steps=5)
    trainer.model[0].weight.data = wl.full((8, 5), float("nan"))
    with pytest.raises(FloatingPointError, match="loss is nan at step 1"):
        trainer.fit()


def test_bad_settings_are_refused(tmp_path):
    with pytest.raises(ValueError, match="steps must be a positive integer, got 0"):
        _trainer(steps=0)
    with pytest.raises(ValueError, match="patience.*needs a val_loader"):
        _trainer(patience=3, val_loader=None)
    with pytest.raises(ValueError, match="checkpoint_every needs a run_dir"):
        _trainer(checkpoint_every=5)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max'"):
        _trainer(mode="lowest")
    model = _model()
    empty = DataLoader(_data(5), batch_size=8, drop_last=True)
    with pytest.raises(ValueError, match="train_loader gives no batches"):
        Trainer(model, SGD(model.parameters(), lr=0.1), empty, steps=3, progress=False).fit()
    with pytest.raises(KeyError, match="monitor 'f1' is not among"):
        _trainer(eval_every=2, monitor="f1").fit()
    _trainer(tmp_path, steps=2).fit()
    model = _model()
    opt = SGD(model.parameters(), lr=0.1)
    sched = wl.optim.lr_scheduler.StepLR(opt, step_size=2)
    with pytest.raises(ValueError, match="has a scheduler but the checkpoint"):
        Trainer(model, opt, DataLoader(_data(), batch_size=8), steps=4, scheduler=sched,
                run_dir=tmp_path, progress=False).fit()
