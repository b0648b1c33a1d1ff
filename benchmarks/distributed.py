"""Data-parallel training on this machine's cores, and a model of it on many machines.

Measures one training step of an MLP (SGD, one global batch) in one process at 1 and 2 threads,
and on 2 MPI ranks of 1 thread each with DistributedDataParallel (half the batch each): the whole
step, the step without its all-reduces (no_sync), and the all-reduce of the gradient alone, with
the bandwidth it reached. Then the ring all-reduce model, in which each rank sends and receives
2(N-1)/N times the gradient's bytes a step, gives the communication time of this model, of
ResNet-50 and of GPT-2 small on 8 and 64 machines at stated network bandwidths.

    python benchmarks/distributed.py [--width 1024] [--batch 256] [--repeats 20]

It starts its own 2 ranks with mpiexec (pip install wonderland[distributed])."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import wonderland as wl
import wonderland.nn.functional as F
from wonderland import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import best_of  # noqa: E402

# networks of the scaling model: bytes/s, and the latency of one message
NETWORKS = {"10 Gb/s Ethernet": (1.25e9, 20e-6), "100 Gb/s InfiniBand": (12.5e9, 2e-6)}
# reference gradients (float32): parameters of the published models
REFERENCE = {"ResNet-50": 25.6e6, "GPT-2 small": 124e6}


def mlp(width: int) -> nn.Module:
    wl.manual_seed(0)
    return nn.Sequential(nn.Linear(784, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                         nn.Linear(width, 10))


def step_fn(model, opt, x, y):
    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return step


def batch(n: int, seed: int):
    rng = np.random.default_rng(seed)
    return (wl.tensor(rng.normal(size=(n, 784)).astype(np.float32)),
            wl.tensor(rng.integers(0, 10, n)))


def one_process(args) -> dict:
    """Step times of the whole batch in this process at 1 and 2 threads."""
    model = mlp(args.width)
    opt = wl.optim.SGD(model.parameters(), lr=0.01)
    x, y = batch(args.batch, 0)
    out = {"params": sum(p.numel() for p in model.parameters())}
    for threads in (1, 2):
        wl.set_num_threads(threads)
        out[f"step_{threads}t"] = best_of(step_fn(model, opt, x, y), args.repeats)
    return out


def ranks(args) -> None:
    """One rank's part (run under mpiexec): DDP step, the step with no_sync, and the gradient's
    all-reduce alone; rank 0 writes the figures to args.out."""
    import wonderland.distributed as dist
    from wonderland.nn.parallel import DistributedDataParallel

    dist.init_process_group("mpi")
    wl.set_num_threads(1)
    rank, world = dist.get_rank(), dist.get_world_size()
    ddp = DistributedDataParallel(mlp(args.width))
    opt = wl.optim.SGD(ddp.parameters(), lr=0.01)
    x, y = batch(args.batch // world, 1 + rank)
    step = step_fn(ddp, opt, x, y)

    def local_step():
        with ddp.no_sync():
            step()

    flat = wl.zeros(sum(p.numel() for p in ddp.parameters()))
    times = {}
    for name, fn in (("step", step), ("no_sync", local_step),
                     ("all_reduce", lambda: dist.all_reduce(flat))):
        dist.barrier()
        times[name] = best_of(fn, args.repeats)
    if rank == 0:
        with open(args.out, "w") as f:
            json.dump({**times, "world": world, "grad_bytes": flat.numel() * 4}, f)
    dist.destroy_process_group()


def ring_seconds(n: int, grad_bytes: float, bandwidth: float, latency: float) -> float:
    """A ring all-reduce of grad_bytes over n machines: 2(n-1) steps, each sending 1/n of it."""
    return 2 * (n - 1) * (latency + grad_bytes / n / bandwidth)


def report(single: dict, multi: dict) -> str:
    g = multi["grad_bytes"]
    rows = [
        "| run | step (ms) | of one process at 2 threads |",
        "|---|---|---|",
        f"| 1 process, 1 thread | {single['step_1t'] * 1e3:.2f} | "
        f"{single['step_1t'] / single['step_2t']:.2f}x |",
        f"| 1 process, 2 threads | {single['step_2t'] * 1e3:.2f} | 1.00x |",
        f"| 2 ranks x 1 thread, DDP | {multi['step'] * 1e3:.2f} | "
        f"{multi['step'] / single['step_2t']:.2f}x |",
        f"| 2 ranks, no_sync (no all-reduce) | {multi['no_sync'] * 1e3:.2f} | "
        f"{multi['no_sync'] / single['step_2t']:.2f}x |",
        "",
        f"Gradient: {single['params']:,} float32 parameters, {g / 1e6:.2f} MB. On 2 ranks each "
        f"sends and receives 2(N-1)/N x {g / 1e6:.2f} MB = {g / 1e6:.2f} MB a step. Its "
        f"all-reduce alone takes {multi['all_reduce'] * 1e3:.2f} ms "
        f"({g / multi['all_reduce'] / 1e9:.2f} GB/s through shared memory); DDP's step costs "
        f"{(multi['step'] - multi['no_sync']) * 1e3:.2f} ms more than no_sync's.",
        "",
        "| gradient | N | network | bytes a rank sends a step | ring all-reduce (ms) |",
        "|---|---|---|---|---|",
    ]
    models = {f"this MLP ({g / 1e6:.1f} MB)": g,
              **{f"{k} ({4 * v / 1e6:.0f} MB)": 4 * v for k, v in REFERENCE.items()}}
    for label, nbytes in models.items():
        for n in (8, 64):
            for net, (bw, lat) in NETWORKS.items():
                rows.append(f"| {label} | {n} | {net} | {2 * (n - 1) / n * nbytes / 1e6:.1f} MB "
                            f"| {ring_seconds(n, nbytes, bw, lat) * 1e3:.2f} |")
    return "\n".join(rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--width", type=int, default=1024)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--ranks-out", dest="out", help=argparse.SUPPRESS)  # a rank's part
    args = p.parse_args()
    if args.out:
        return ranks(args)
    from wonderland.distributed.launcher import mpiexec_command

    single = one_process(args)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "ranks.json")
        command = mpiexec_command(2, os.path.abspath(__file__),
                                  [f"--width={args.width}", f"--batch={args.batch}",
                                   f"--repeats={args.repeats}", f"--ranks-out={out}"])
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        start = time.perf_counter()
        subprocess.run(command, check=True, env=env)
        with open(out) as f:
            multi = json.load(f)
    print(report(single, multi))
    print(f"\n(2-rank job {time.perf_counter() - start:.1f} s with MPI's start-up)")


if __name__ == "__main__":
    main()
