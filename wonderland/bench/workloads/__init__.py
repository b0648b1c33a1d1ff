"""The workloads, one module per family: overhead, gemm, conv, steps (training), data."""
from .base import Case, Target, Workload, format_seconds
from .registry import FAMILIES, WORKLOADS, select

__all__ = ["Case", "Target", "Workload", "format_seconds", "FAMILIES", "WORKLOADS", "select"]
