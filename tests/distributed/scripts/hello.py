"""For the launcher: every rank adds its rank; argv[1] is printed and argv[2] is the exit code."""
import sys

import wonderland as wl
import wonderland.distributed as dist

dist.init_process_group()
t = wl.tensor([float(dist.get_rank())])
dist.all_reduce(t)
print(f"rank {dist.get_rank()} of {dist.get_world_size()}: sum {t.item():g} {sys.argv[1]}",
      flush=True)
dist.destroy_process_group()
sys.exit(int(sys.argv[2]))
