"""The table of workloads in report order, and selection by workload or family name."""
from __future__ import annotations

from . import conv, data, gemm, overhead, steps
from .base import Workload

WORKLOADS: dict[str, Workload] = {
    w.name: w for family in (overhead, gemm, conv, steps, data) for w in family.WORKLOADS
}
FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(w.family for w in WORKLOADS.values()))


def select(names: list[str] | None) -> list[Workload]:
    """Workloads named, or all those of a named family, in table order; all when names is empty.
    Unknown names raise ValueError listing the known ones."""
    if not names:
        return list(WORKLOADS.values())
    unknown = [n for n in names if n not in WORKLOADS and n not in FAMILIES]
    if unknown:
        raise ValueError(f"unknown workload(s) {', '.join(unknown)}; known: "
                         f"{', '.join(WORKLOADS)} or families {', '.join(FAMILIES)}")
    wanted = set(names)
    return [w for w in WORKLOADS.values() if w.name in wanted or w.family in wanted]
