"""What the character language-model recipes share: tiny Shakespeare's splits, the loss and
accuracy over every position, and nanoGPT's optimizer (AdamW, decay only on matrices) and
learning-rate schedule (linear warmup, cosine decay to a floor)."""
from __future__ import annotations

import math
from typing import Any

from ..data.datasets import TinyShakespeare
from ..functional import cross_entropy
from ..models import CharRNN
from ..models.gpt import decay_groups
from ..optim import AdamW
from ..optim.lr_scheduler import LambdaLR
from ..train.recipe import Recipe

# nanoGPT's CPU run of config/train_shakespeare_char.py (its README: "--device=cpu
# --compile=False --eval_iters=20 --log_interval=1 --block_size=64 --batch_size=12 --n_layer=4
# --n_head=4 --n_embd=128 --max_iters=2000 --lr_decay_iters=2000 --dropout=0.0"), with the
# config's lr 1e-3 (floor 1e-4), 100 warmup steps, beta2 0.99, train.py's weight decay 0.1 and
# gradient clipping at 1.0. It reports "val loss 1.88" from 20 random batches; we evaluate on
# every non-overlapping window of the validation text (1,742 of 64), the same expectation with
# far less noise, every 250 steps as its config does.
SHAKESPEARE_CONFIG: dict[str, Any] = {
    "steps": 2000, "batch_size": 12, "block_size": 64, "shuffle": True, "seed": 0,
    "lr": 1e-3, "min_lr": 1e-4, "warmup_steps": 100, "decay_steps": 2000, "beta1": 0.9,
    "beta2": 0.99, "weight_decay": 0.1, "clip_grad_norm": 1.0, "eval_every": 250,
    "checkpoint_every": 500, "log_every": 50, "eval_batch_size": 256, "data_root": None,
    "download": True,
}
NANOGPT_SOURCE = ("nanoGPT (github.com/karpathy/nanoGPT), README: the character-level "
                  "Shakespeare model on a CPU, 4 layers x 4 heads x 128, 2000 iterations, "
                  "validation loss 1.88")


def shakespeare_splits(cfg: dict) -> tuple:
    """(train, val, None): every window of the first 90% of tiny Shakespeare for training (a
    shuffled pass samples them as nanoGPT's random offsets do), non-overlapping windows of the
    last 10% for validation. data_root None reads the cache, downloading when missing; with
    download False, data_root/input.txt may be any text (train on your own)."""
    common = {"block_size": cfg["block_size"], "root": cfg["data_root"],
              "download": cfg.get("download", True)}  # runs made before the setting lack it
    return (TinyShakespeare(train=True, **common),
            TinyShakespeare(train=False, stride=cfg["block_size"], **common), None)


def _logits(output):
    return output[0] if isinstance(output, tuple) else output  # a recurrent LM adds its state


def lm_loss(output, target):
    """The mean cross-entropy of every position's next-character logits (batch, time, vocab)."""
    logits = _logits(output)
    return cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1))


def next_char_accuracy(output, target) -> float:
    """The fraction of positions whose likeliest next character is the right one."""
    return float((_logits(output).argmax(-1) == target).float().mean().item())


def nanogpt_adamw(cfg: dict, params) -> AdamW:
    """AdamW with weight decay on matrices (weights, embeddings) and none on vectors (biases,
    norm gains), nanoGPT's split."""
    return AdamW(decay_groups(params, cfg["weight_decay"]), lr=cfg["lr"],
                 betas=(cfg["beta1"], cfg["beta2"]))


def nanogpt_schedule(cfg: dict, optimizer) -> LambdaLR:
    """nanoGPT's get_lr as a factor of lr: (t + 1) / (warmup + 1) during warmup, then a cosine
    from lr down to min_lr at decay_steps, min_lr after."""
    lr, floor = cfg["lr"], cfg["min_lr"]
    warmup, decay = cfg["warmup_steps"], cfg["decay_steps"]

    def factor(t: int) -> float:
        if t < warmup:
            return (t + 1) / (warmup + 1)
        if t > decay:
            return floor / lr
        cosine = 0.5 * (1.0 + math.cos(math.pi * (t - warmup) / max(1, decay - warmup)))
        return (floor + cosine * (lr - floor)) / lr

    return LambdaLR(optimizer, factor)


def char_rnn_recipe(cell: str, hidden: int, parameters: str) -> Recipe:
    """The char-rnn recipe of one cell: 2 layers of `hidden` (the GPT's size), trained as the GPT
    but at char-rnn's learning rate 2e-3, for the comparison in docs/results.md."""
    return lm_recipe(
        name=f"shakespeare_char_{cell}",
        description=f"tiny Shakespeare, character {cell.upper()} 2 x {hidden} ({parameters} "
                    f"parameters), AdamW 2e-3 with warmup and cosine decay, 2000 steps of 12",
        config={**SHAKESPEARE_CONFIG, "vocab_size": 65, "hidden": hidden, "layers": 2,
                "dropout": 0.0, "lr": 2e-3, "min_lr": 2e-4},
        model=lambda cfg: CharRNN(cfg["vocab_size"], cfg["hidden"], cfg["layers"], cell=cell,
                                  dropout=cfg["dropout"]))


def lm_recipe(**fields) -> Recipe:
    """A Recipe with the language-model loss, metric, optimizer, schedule and data."""
    return Recipe(data=shakespeare_splits, optimizer=nanogpt_adamw, loss=lm_loss,
                  scheduler=nanogpt_schedule, metrics={"accuracy": next_char_accuracy},
                  **fields)
