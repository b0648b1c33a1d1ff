"""Rank 1 fails while rank 0 waits in an all_reduce: the job must end, never hang.

    die.py kill    rank 1 is killed by SIGKILL (Open MPI aborts the job)
    die.py raise   rank 1 raises (init_process_group's hook aborts the job)
    die.py skip    rank 1 skips the all_reduce and sleeps: rank 0 times out (2 s) and raises"""
import os
import signal
import sys
import time

import wonderland as wl
import wonderland.distributed as dist

mode = sys.argv[1]
dist.init_process_group("mpi", timeout=2.0 if mode == "skip" else 120.0)
rank = dist.get_rank()
dist.barrier()
if rank == 1:
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "raise":
        raise ValueError("rank 1 fails on purpose")
    time.sleep(60)
    sys.exit(0)
t = wl.ones(3)
dist.all_reduce(t)
print("rank 0 finished the all_reduce: this must not happen", flush=True)
