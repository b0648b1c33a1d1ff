"""Ctrl-C while training: SIGINT only raises a flag, which the training loop reads after each
step, so the checkpoint it then saves is at a step boundary (exactly what a periodic checkpoint
holds) before it stops with TrainingInterrupted. A second Ctrl-C interrupts at once."""
from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class TrainingInterrupted(KeyboardInterrupt):
    """Raised by Trainer.fit after Ctrl-C, once the checkpoint at `step` is saved in
    `checkpoint`; a KeyboardInterrupt, so code that does not know it still stops."""

    def __init__(self, step: int, checkpoint: Path) -> None:
        super().__init__(f"interrupted at step {step}; the checkpoint is saved in {checkpoint}")
        self.step, self.checkpoint = step, checkpoint


class InterruptFlag:
    """Whether Ctrl-C was pressed since the flag was set up."""

    requested = False


@contextmanager
def deferred_sigint(also: tuple[int, ...] = ()) -> Iterator[InterruptFlag]:
    """For the block, SIGINT (and the signals in `also`) sets the yielded flag instead of
    raising KeyboardInterrupt (a second one raises it). Off (the flag stays down) outside the
    main thread, where Python cannot install signal handlers. The ranks of `wonderland train
    --nproc N` take SIGUSR1 too: mpiexec forwards that one to them (see cli's launcher)."""
    flag = InterruptFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    owner = os.getpid()

    def handler(signum, frame) -> None:
        if os.getpid() != owner:  # a forked DataLoader worker: the training process decides
            return
        if flag.requested:
            raise KeyboardInterrupt
        flag.requested = True

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, *also)}
    try:
        yield flag
    finally:  # None: a handler not installed from Python; the default is the closest to it
        for s, before in previous.items():
            default = signal.default_int_handler if s == signal.SIGINT else signal.SIG_DFL
            signal.signal(s, default if before is None else before)
