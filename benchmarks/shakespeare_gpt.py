"""The GPT recipe (shakespeare_char_gpt, nanoGPT's CPU run) trained side by side in wonderland and
PyTorch, then generation speed with and without the key/value cache in both.

The PyTorch twin (tests/models/twins.py: the same layers under the same names) starts from
wonderland's seed-0 weights and is fed the same batches in the same order, with the same AdamW
groups, learning-rate schedule (the recipe's own function) and clipping, so the two runs differ
only by floating-point rounding. Only the training steps are timed (the batches are drawn before
either run); both models are then scored on the recipe's validation windows. Prints a table with
the ratios; --json writes the figures (examples/reproduce.py puts them in docs/results.md).

    python benchmarks/shakespeare_gpt.py [--steps 2000] [--threads 2] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

import wonderland as wl
from wonderland.core.random import Generator
from wonderland.data import DataLoader
from wonderland.recipes import get
from wonderland.train.run import build

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the twin lives with the tests that prove it equal
from tests.models.twins import TwinGPT, greedy_twin  # noqa: E402

SHARED_TEXT = ROOT.parent / "shared" / "data" / "tinyshakespeare"


def batches(train, cfg: dict, steps: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The batches the recipe's trainer draws: its seeded, shuffled loader, pass after pass."""
    loader = DataLoader(train, batch_size=cfg["batch_size"], shuffle=True,
                        generator=Generator(cfg["seed"]))
    out: list = []
    while len(out) < steps:
        out.extend((x.numpy(), y.numpy()) for x, y in loader)
    return out[:steps]


def train_wonderland(recipe, cfg, model, data) -> float:
    opt = recipe.optimizer(cfg, model.parameters())
    schedule = recipe.scheduler(cfg, opt)
    start = time.perf_counter()
    for x, y in data:
        loss = recipe.loss(model(wl.tensor(x)), wl.tensor(y))
        opt.zero_grad()
        loss.backward()
        wl.nn.utils.clip_grad_norm_(model.parameters(), cfg["clip_grad_norm"])
        opt.step()
        schedule.step()
    return time.perf_counter() - start


def train_torch(recipe, cfg, twin, data) -> float:
    params = list(twin.parameters())
    opt = torch.optim.AdamW(
        [{"params": [p for p in params if p.ndim >= 2], "weight_decay": cfg["weight_decay"]},
         {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}],
        lr=cfg["lr"], betas=(cfg["beta1"], cfg["beta2"]))
    # the recipe's own schedule function, so both runs follow one curve
    factor = recipe.scheduler(cfg, wl.optim.SGD([wl.zeros(1, requires_grad=True)],
                                                lr=cfg["lr"])).lr_lambdas[0]
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    start = time.perf_counter()
    for x, y in data:
        logits = twin(torch.from_numpy(x))
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                 torch.from_numpy(y).reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, cfg["clip_grad_norm"])
        opt.step()
        schedule.step()
    return time.perf_counter() - start


def val_loss(forward, val, cfg) -> float:
    """The mean next-character cross-entropy over the validation windows."""
    total = 0.0
    for x, y in DataLoader(val, batch_size=cfg["eval_batch_size"]):
        logits = np.asarray(forward(x.numpy()), dtype=np.float64)
        logits = logits - logits.max(-1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        total += -np.take_along_axis(logp, y.numpy()[..., None], -1).sum()
    return total / (len(val) * cfg["block_size"])


def speed(generate, tokens: int) -> float:
    """Tokens per second of generate(tokens), best of three."""
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        generate(tokens)
        best = min(best, time.perf_counter() - start)
    return tokens / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=None, help="default: the recipe's 2000")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tokens", type=int, default=200, help="characters to generate")
    ap.add_argument("--data-root", default=str(SHARED_TEXT) if SHARED_TEXT.is_dir() else None,
                    help="a folder with input.txt (default: the workplace's copy, else the cache)")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    recipe = get("shakespeare_char_gpt")
    # a data root given is read as it is (any text); without one the recipe downloads
    cfg = recipe.configure({"data_root": args.data_root, "download": args.data_root is None,
                            **({"steps": args.steps} if args.steps else {})})
    model, (train, val, _) = build(recipe, cfg)
    twin = TwinGPT(model.config)
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                          for k, v in model.state_dict().items()})
    data = batches(train, cfg, cfg["steps"])
    wall = {"wonderland": train_wonderland(recipe, cfg, model, data),
            "torch": train_torch(recipe, cfg, twin, data)}
    model.eval()
    twin.eval()
    with wl.no_grad():
        ours = val_loss(lambda x: model(wl.tensor(x)).numpy(), val, cfg)
    with torch.no_grad():
        theirs = val_loss(lambda x: twin(torch.from_numpy(x)).numpy(), val, cfg)
    prompt = np.zeros((1, 1), dtype=np.int64)
    block = cfg["block_size"]
    generators = {
        "wonderland": lambda n, cached: model.generate(wl.tensor(prompt), n, temperature=0,
                                                       use_cache=cached),
        "torch": lambda n, cached: greedy_twin(twin, torch.from_numpy(prompt), n, block,
                                               use_cache=cached)}
    rates = {name: {"cached": speed(lambda n, g=g: g(n, True), args.tokens),
                    "uncached": speed(lambda n, g=g: g(n, False), args.tokens)}
             for name, g in generators.items()}
    figures = {"steps": cfg["steps"], "threads": args.threads, "date": time.strftime("%Y-%m-%d"),
               "torch_version": torch.__version__,
               "wonderland": {"val_loss": ours, "wall_s": wall["wonderland"]},
               "torch": {"val_loss": theirs, "wall_s": wall["torch"]},
               "generation": {"tokens": args.tokens, **rates}}
    print(f"{cfg['steps']} steps, {args.threads} threads")
    print(f"{'':12s} {'val loss':>9s} {'train s':>8s} {'gen/s cached':>13s} {'uncached':>9s}")
    for name in ("wonderland", "torch"):
        print(f"{name:12s} {figures[name]['val_loss']:9.4f} {wall[name]:8.1f} "
              f"{rates[name]['cached']:13.0f} {rates[name]['uncached']:9.0f}")
    print(f"ratio wonderland / torch: training {wall['wonderland'] / wall['torch']:.2f}, "
          f"generation {rates['torch']['cached'] / rates['wonderland']['cached']:.2f} (cached), "
          f"{rates['torch']['uncached'] / rates['wonderland']['uncached']:.2f} (uncached)")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
