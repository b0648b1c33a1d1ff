"""The training loop: steps over a DataLoader with evaluation, early stopping, gradient clipping,
a progress bar, a run directory, and checkpoints that resume exactly.

A checkpoint holds everything the rest of the run depends on: model, optimizer and scheduler
states, every random state (wonderland's, NumPy's, Python's), the step, the epoch and the batch
within it, and the loader's random state when the epoch began. Resuming redraws that epoch's
order from the saved state, skips the batches already seen, and restores the random states, so
a run killed and resumed ends with bit-identical weights to one that was never interrupted.
Ctrl-C saves a checkpoint at the step it lands in and stops with TrainingInterrupted."""
from __future__ import annotations

import math
import os
import random
import signal
import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..core import random as wl_random
from ..core.grad_mode import no_grad
from ..functional import cross_entropy
from ..optim.clip import clip_grad_norm_
from ..serialization import load_state, save, save_state
from .interrupt import InterruptFlag, TrainingInterrupted, deferred_sigint
from .metrics import RunningMean, accuracy
from .plot import plot_runs
from .run_dir import RunDir

if TYPE_CHECKING:
    from .parallel import DataParallel

Hook = Callable[..., None]


def evaluate(model, loader, loss_fn: Callable = cross_entropy,
             metrics: dict[str, Callable] | None = None,
             parallel: DataParallel | None = None) -> dict[str, float]:
    """The mean loss and metrics of `model` over `loader`, weighted by batch size, in eval mode
    and without gradients (the model is put back in training mode afterwards). With `parallel`
    the loader holds this rank's shards, and the means are over every rank's."""
    metrics = {"accuracy": accuracy} if metrics is None else metrics
    model.eval()
    means = RunningMean()
    try:
        with no_grad():
            for x, y in loader:
                if len(y) == 0:  # a rank's share of a batch smaller than the ranks
                    continue
                out = model(x)
                values = {"loss": float(loss_fn(out, y).item())}
                values.update({name: fn(out, y) for name, fn in metrics.items()})
                means.update(values, len(y))
    finally:
        model.train()
    if parallel is not None:
        means = parallel.sum_means(means, ["loss", *metrics])
    return means.result()


class StopTraining(Exception):  # noqa: N818  (a signal, not an error)
    """Raise from a hook to end fit() early, after the current step, with a final checkpoint."""


class Trainer:
    """Trains `model` with `optimizer` for `steps` steps over `train_loader` (as many epochs as
    that takes). Every `eval_every` steps it evaluates on `val_loader`; with `patience` it stops
    after that many evaluations without a better `monitor` value (lower for mode='min'). Every
    `checkpoint_every` steps, at the end, and on Ctrl-C, it saves a checkpoint into `run_dir`;
    fit() resumes from one found there. With `save_best` the weights of each better evaluation
    go to best.safetensors (turn it off when the evaluated split is the test set: a model
    chosen on it would be scored on the data it was chosen on).
    `val_split` names the evaluated split in the log. Hooks: on_start(trainer) once fit() has
    restored the run (trainer.step is where it starts), on_step(trainer, record) after each
    step (record: the line just logged, or None), on_eval(trainer, metrics) after each
    evaluation; on_step and on_eval may raise StopTraining. `step_fn(trainer, x, y) -> float`,
    when given, does the optimisation on a batch in place of the default (see train_step).
    With `parallel` (a DataParallel) the loaders hold this rank's shards of each batch, the
    model trains through DistributedDataParallel, and only rank 0 writes into run_dir."""

    def __init__(self, model, optimizer, train_loader, *, steps: int,
                 loss_fn: Callable = cross_entropy, val_loader=None, scheduler=None,
                 metrics: dict[str, Callable] | None = None, eval_every: int | None = None,
                 checkpoint_every: int | None = None, log_every: int = 50,
                 clip_grad_norm: float | None = None, patience: int | None = None,
                 monitor: str = "loss", mode: str = "min", val_split: str = "val",
                 save_best: bool = True, run_dir: str | os.PathLike | None = None,
                 step_fn: Callable | None = None, parallel: DataParallel | None = None,
                 config: dict | None = None, progress: bool = True,
                 on_start: Iterable[Hook] = (), on_step: Iterable[Hook] = (),
                 on_eval: Iterable[Hook] = ()) -> None:
        for name, value in (("steps", steps), ("eval_every", eval_every),
                            ("checkpoint_every", checkpoint_every), ("log_every", log_every),
                            ("patience", patience)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value <= 0):
                raise ValueError(f"Trainer: {name} must be a positive integer, got {value!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"Trainer: mode must be 'min' or 'max', got {mode!r}")
        if patience is not None and val_loader is None:
            raise ValueError("Trainer: early stopping (patience) needs a val_loader")
        if checkpoint_every is not None and run_dir is None:
            raise ValueError("Trainer: checkpoint_every needs a run_dir to write into")
        if parallel is not None and step_fn is not None:
            raise ValueError("Trainer: a step_fn does its own optimisation, which data-parallel "
                             "training cannot split over ranks; train it in one process")
        self.model, self.optimizer, self.scheduler = model, optimizer, scheduler
        self.train_loader, self.val_loader, self.loss_fn = train_loader, val_loader, loss_fn
        self.metrics = {"accuracy": accuracy} if metrics is None else dict(metrics)
        self.steps, self.eval_every, self.log_every = steps, eval_every, log_every
        self.checkpoint_every, self.clip_grad_norm = checkpoint_every, clip_grad_norm
        self.val_split, self.save_best = val_split, save_best
        self.patience, self.monitor, self.sign = patience, monitor, 1.0 if mode == "min" else -1.0
        self.run = RunDir(run_dir) if run_dir is not None else None
        self.config, self.progress = dict(config or {}), progress
        self.on_start, self.on_step, self.on_eval = list(on_start), list(on_step), list(on_eval)
        self.step_fn, self.parallel = step_fn, parallel
        # what trains: the model itself, or its DistributedDataParallel wrapper
        self.net = model if parallel is None else parallel.wrap(model)
        # whether this process writes the run directory (rank 0 alone in a parallel run)
        self.writes = self.run is not None and (parallel is None or parallel.main)
        self._loss_scale = 1.0  # this rank's share of the batch times the ranks (parallel)
        # where the run stands; all of it goes into a checkpoint
        self.step = self.epoch = self.batch_in_epoch = 0
        self.epoch_rng: dict | None = None  # the loader's random state when this epoch began
        self.best: float = math.inf
        self.bad_evals = 0
        self.stopped_early = False
        self.window = RunningMean()  # the training loss since the last log line
        self.resumed_from: int | None = None  # the checkpoint's step when fit() resumed

    # ---- the loop -------------------------------------------------------------------------
    def fit(self, resume: bool = True) -> dict:
        """Train to `steps` (resuming from run_dir's checkpoint when there is one and `resume`)
        and return the last validation metrics (empty without a val_loader). The run directory
        is held for the whole call (see RunDir.claim); Ctrl-C ends the step under way, saves a
        checkpoint there and raises TrainingInterrupted."""
        if self.run is None:  # nothing to save: Ctrl-C interrupts as usual
            return self._fit(resume, InterruptFlag())
        also = () if self.parallel is None else (signal.SIGUSR1,)  # as mpiexec forwards it
        with self.run.claim() if self.writes else nullcontext(), \
                deferred_sigint(also) as interrupt:
            return self._fit(resume, interrupt)

    def _restore(self, resume: bool) -> None:
        """Load run_dir's checkpoint, or clear what an earlier run left there and start anew."""
        if resume and self.run.checkpoint.exists():
            self.load_checkpoint(self.run.checkpoint)
            self.resumed_from = self.step
            if not self.writes:  # another rank of a parallel run: it reads, rank 0 writes
                return
            self.run.truncate_log(self.step)
            if self.step < self.steps:  # the run goes on: config.json gives its new length
                self.run.write_json(self.run.config, self.config)
        elif self.writes:
            self.run.clear()
            self.run.write_json(self.run.config, self.config)

    def _fit(self, resume: bool, interrupt: InterruptFlag) -> dict:
        if self.run is not None:
            self._restore(resume)
        for hook in self.on_start:
            hook(self)
        batches = self._resume_batches()
        bar = self._progress_bar()
        t0, last_val = time.perf_counter(), {}
        try:
            while self.step < self.steps and not self.stopped_early:
                x, y = self._next_batch(batches)
                if x is None:  # the epoch ended
                    if self.batch_in_epoch == 0:
                        raise ValueError("Trainer: the train_loader gives no batches (an empty "
                                         "dataset, or drop_last with fewer examples than a batch)")
                    batches = self._start_epoch()
                    continue
                if self.parallel is not None:  # every rank stops after the same step
                    total, agreed = self.parallel.agree(len(y), interrupt.requested)
                    self._loss_scale = len(y) * self.parallel.world / total
                loss = self.train_step(x, y)
                self.window.update({"loss": loss}, len(y))
                record = None
                if self.step % self.log_every == 0 or self.step == self.steps:
                    elapsed, t0 = time.perf_counter() - t0, time.perf_counter()
                    if self.parallel is not None:
                        self.window = self.parallel.sum_means(self.window, ["loss"])
                    record = {"step": self.step, "epoch": self.epoch, "split": "train",
                              **self.window.result(), "lr": self.optimizer.param_groups[0]["lr"],
                              "samples_per_s": self.window.count / max(elapsed, 1e-9)}
                    self._log(record)
                    if bar is not None:
                        bar.set_postfix(loss=f"{record['loss']:.4g}",
                                        samples_s=f"{record['samples_per_s']:.0f}")
                    self.window = RunningMean()
                if bar is not None:
                    bar.update(1)
                for hook in self.on_step:
                    hook(self, record)
                if self.val_loader is not None and (
                        (self.eval_every and self.step % self.eval_every == 0)
                        or self.step == self.steps):
                    last_val = self._validate()
                if self.checkpoint_every and self.step % self.checkpoint_every == 0:
                    self.save_checkpoint(self.run.checkpoint)
                interrupted = agreed if self.parallel is not None else interrupt.requested
                if interrupted and self.step < self.steps and not self.stopped_early:
                    self.save_checkpoint(self.run.checkpoint)
                    raise TrainingInterrupted(self.step, self.run.checkpoint)
        except StopTraining:
            self.stopped_early = True
        finally:
            if bar is not None:
                bar.close()
            if hasattr(batches, "close"):
                batches.close()
        if self.run is not None:
            self.save_checkpoint(self.run.checkpoint)
            if self.writes:
                save(self.model.state_dict(), self.run.model)
            self.plot()
        return last_val

    def train_step(self, x, y) -> float:
        """One optimisation step on a batch (step_fn's, when given); returns the loss."""
        self.model.train()
        if self.step_fn is not None:
            value = float(self.step_fn(self, x, y))
        else:
            self.optimizer.zero_grad()
            loss = self.loss_fn(self.net(x), y)
            # data-parallel: DDP averages the ranks' gradients, so each rank's mean loss is
            # weighted by its share of the batch to give the whole batch's mean
            (loss if self._loss_scale == 1.0 else loss * self._loss_scale).backward()
            if self.clip_grad_norm is not None:
                clip_grad_norm_(self.model.parameters(), self.clip_grad_norm)
            self.optimizer.step()
            value = float(loss.item())
        if self.scheduler is not None:
            self.scheduler.step()
        self.step += 1
        self.batch_in_epoch += 1
        if not math.isfinite(value):
            raise FloatingPointError(f"Trainer: the loss is {value} at step {self.step}; "
                                     f"lower the learning rate or set clip_grad_norm")
        return value

    def evaluate(self, loader) -> dict[str, float]:
        """The mean loss and metrics over `loader` (see evaluate)."""
        return evaluate(self.model, loader, self.loss_fn, self.metrics, self.parallel)

    def _validate(self) -> dict:
        metrics = self.evaluate(self.val_loader)
        self._log({"step": self.step, "epoch": self.epoch, "split": self.val_split, **metrics})
        if self.monitor not in metrics:
            raise KeyError(f"Trainer: monitor '{self.monitor}' is not among the validation "
                           f"metrics {sorted(metrics)}")
        value = self.sign * metrics[self.monitor]  # lower is better either way
        if value < self.best:
            self.best, self.bad_evals = value, 0
            if self.writes and self.save_best:
                save(self.model.state_dict(), self.run.best_model)
        else:
            self.bad_evals += 1
            if self.patience is not None and self.bad_evals >= self.patience:
                self.stopped_early = True
        for hook in self.on_eval:
            hook(self, metrics)
        return metrics

    def _log(self, record: dict) -> None:
        if self.writes:
            self.run.log({**record, "time": time.time()})

    def _progress_bar(self):
        if not self.progress or (self.parallel is not None and not self.parallel.main):
            return None
        from tqdm.auto import tqdm
        return tqdm(total=self.steps, initial=self.step, unit="step", dynamic_ncols=True,
                    desc=self.config.get("recipe", "train"))

    # ---- data position ----------------------------------------------------------------------
    def _loader_generator(self) -> wl_random.Generator:
        return getattr(self.train_loader, "generator", None) or wl_random.default_generator

    def _start_epoch(self):
        """Begin a new pass: remember the loader's random state, then draw the pass's order."""
        if self.epoch_rng is not None:  # not the very first pass
            self.epoch += 1
        self.batch_in_epoch = 0
        self.epoch_rng = self._loader_generator().get_state()
        return iter(self.train_loader)

    def _resume_batches(self):
        """The batches still to come in the current pass (a fresh pass for a new run)."""
        if self.epoch_rng is None:
            return self._start_epoch()
        gen = self._loader_generator()
        now = gen.get_state()
        gen.set_state(self.epoch_rng)  # redraw this pass's order as it was drawn...
        batches = self.train_loader.iter_from(self.batch_in_epoch)
        gen.set_state(now)  # ...then carry on from where the random state stood
        return batches

    @staticmethod
    def _next_batch(batches):
        batch = next(batches, None)
        return (None, None) if batch is None else batch

    # ---- checkpoints ------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """The whole training state, as nested plain values and tensors (see wl.save_state)."""
        loader_gen = getattr(self.train_loader, "generator", None)
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "position": {"step": self.step, "epoch": self.epoch,
                         "batch_in_epoch": self.batch_in_epoch, "epoch_rng": self.epoch_rng},
            "early_stopping": {"best": self.best, "bad_evals": self.bad_evals,
                               "stopped": self.stopped_early},
            "log_window": {"sums": self.window.sums, "count": self.window.count},
            "rng": {"wonderland": wl_random.default_generator.get_state(),
                    "loader": loader_gen.get_state() if loader_gen is not None else None,
                    "numpy": np.random.get_state(), "python": random.getstate()},
        }

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None:
            if state["scheduler"] is None:
                raise ValueError("Trainer: this trainer has a scheduler but the checkpoint "
                                 "was saved without one")
            self.scheduler.load_state_dict(state["scheduler"])
        pos = state["position"]
        self.step, self.epoch = pos["step"], pos["epoch"]
        self.batch_in_epoch, self.epoch_rng = pos["batch_in_epoch"], pos["epoch_rng"]
        stop = state["early_stopping"]
        self.best, self.bad_evals, self.stopped_early = (stop["best"], stop["bad_evals"],
                                                         stop["stopped"])
        self.window = RunningMean()
        if self.parallel is None or self.parallel.main:  # the others' shares are in rank 0's
            self.window.sums = dict(state["log_window"]["sums"])
            self.window.count = state["log_window"]["count"]
        rng = state["rng"]
        wl_random.default_generator.set_state(rng["wonderland"])
        loader_gen = getattr(self.train_loader, "generator", None)
        if loader_gen is not None and rng["loader"] is not None:
            loader_gen.set_state(rng["loader"])
        np.random.set_state(rng["numpy"])
        version, internal, gauss = rng["python"]
        random.setstate((version, tuple(internal), gauss))

    def save_checkpoint(self, path: str | os.PathLike) -> None:
        """Write the training state to `path`, atomically (the old file survives a crash). In a
        parallel run every rank calls it and rank 0 alone writes: every rank holds the same
        state but for the log window, whose sums over the ranks it saves."""
        state = self.state_dict()
        if self.parallel is not None:
            window = self.parallel.sum_means(self.window, ["loss"])
            state["log_window"] = {"sums": window.sums, "count": window.count}
            if not self.parallel.main:
                return
        save_state(state, path)

    def load_checkpoint(self, path: str | os.PathLike) -> None:
        self.load_state_dict(load_state(path))

    def plot(self) -> None:
        """Draw the run's curves.png from its metrics.jsonl."""
        if self.writes and self.run.metrics.exists():
            title = Path(self.config.get("recipe", "run")).stem
            plot_runs([self.run.path], self.run.curves, title=title)
