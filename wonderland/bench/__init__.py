"""Side-by-side benchmarks of wonderland against PyTorch (and NumPy, tinygrad, mygrad), each
system in its own worker process: `wonderland bench` or `python -m wonderland.bench`."""
from .command import main
from .harness import Measurement, Settings, run_suite
from .report import analyse, memory_table, table
from .workloads import FAMILIES, WORKLOADS, Case, Target, Workload, select

__all__ = ["main", "run_suite", "Measurement", "Settings", "analyse", "memory_table", "table",
           "FAMILIES", "WORKLOADS", "Case", "Target", "Workload", "select"]
