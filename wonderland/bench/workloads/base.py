"""What a workload is: per system a builder that returns a Case (one call to time, and the work
it does), the unit it is reported in, and the target wonderland should meet."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Case:
    """One ready-to-time call. `work` is the FLOPs or samples one call does (for throughput
    units); `keep` holds objects that must stay alive while the case is timed."""

    run: Callable[[], object]
    work: float = 0.0
    keep: tuple = ()


@dataclass(frozen=True)
class Target:
    """wonderland's median time must be at most `limit` times the `versus` system's median
    (or, with versus None, at most `limit` seconds)."""

    limit: float
    versus: str | None = "torch"

    def describe(self) -> str:
        if self.versus is None:
            return f"<= {format_seconds(self.limit)}"
        return f"<= {self.limit:g}x {self.versus}"

    def judge(self, medians: dict[str, float]) -> bool | None:
        """Met (True), missed (False), or None when a median it needs is missing."""
        ours = medians.get("wonderland")
        if ours is None:
            return None
        if self.versus is None:
            return ours <= self.limit
        theirs = medians.get(self.versus)
        return None if theirs is None else ours <= self.limit * theirs


Builder = Callable[[bool], Case]  # builder(quick) -> Case


@dataclass(frozen=True)
class Workload:
    """A named benchmark. `builders` maps a system name to builder(quick) -> Case; systems not
    in it show '-' in the table. `unit` is "time", "GFLOP/s" or "samples/s"; `memory` marks a
    training step whose peak memory and growth over steps are also measured."""

    name: str
    family: str
    title: str
    builders: dict[str, Builder] = field(hash=False)
    unit: str = "time"
    target: Target | None = None
    memory: bool = False


def format_seconds(t: float) -> str:
    """A duration with a readable unit: 812 ns, 3.61 us, 6.20 ms, 1.31 s."""
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us")):
        if abs(t) >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t * 1e9:.3g} ns"
