"""Run several check scripts of this folder in one MPI job (one start-up for all): each starts
and ends its own process group. Usage: suite.py collectives.py ddp.py functional.py"""
import runpy
import sys
from pathlib import Path

import wonderland.distributed as dist

for name in sys.argv[1:]:
    runpy.run_path(str(Path(__file__).parent / name), run_name="__main__")
    if dist.is_initialized():
        dist.destroy_process_group()
