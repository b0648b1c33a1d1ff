"""A small training job run in a child process by test_resume.py: `python resume_job.py RUN_DIR
KILL_AT WORKERS` trains with shuffling, dropout, Adam, a scheduler, gradient clipping and a random
data transform, checkpointing every 7 steps; with KILL_AT > 0 it kills itself (SIGKILL, no
cleanup) right after that step."""
import os
import signal
import sys

import numpy as np

import wonderland as wl
from wonderland import nn
from wonderland.data import DataLoader, TensorDataset
from wonderland.train import Trainer


class Noisy:
    """A dataset whose samples get random noise when loaded (exercises the loader's RNG)."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        noise = np.asarray(wl.randn(*self.x[i].shape)) * 0.01
        return (self.x[i] + noise).astype(np.float32), self.y[i]


def main(run_dir: str, kill_at: int, workers: int) -> None:
    wl.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(90, 6)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))
    opt = wl.optim.Adam(model.parameters(), lr=0.05)
    sched = wl.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.8)
    train = DataLoader(Noisy(x[:70], y[:70]), batch_size=16, shuffle=True, seed=3,
                       num_workers=workers)
    val = DataLoader(TensorDataset(wl.tensor(x[70:]), wl.tensor(y[70:])), batch_size=10)

    def kill(trainer, record):
        if trainer.step == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    trainer = Trainer(model, opt, train, steps=30, val_loader=val, scheduler=sched,
                      eval_every=5, checkpoint_every=7, log_every=3, clip_grad_norm=1.0,
                      run_dir=run_dir, progress=False, on_step=[kill] if kill_at else [])
    trainer.fit()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
