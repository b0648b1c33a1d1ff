"""What every rank of `wonderland tune RECIPE --workers N` runs (`python -m mpi4py` this file,
started by mpiexec): wonderland.tune.workers.rank_main, rank 0 the main and the others workers."""
import os
import sys

# Run as a script, this file puts its own folder first on sys.path, where study.py and
# objective.py would shadow any top-level modules of those names: put the folder holding this
# copy of wonderland there instead, so that the ranks import the same wonderland as the parent.
sys.path[0] = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from wonderland.tune.workers import rank_main  # noqa: E402

sys.exit(rank_main(sys.argv[1:]))
