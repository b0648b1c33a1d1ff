"""Repeated structure in a sequence of operations: runs of N >= 3 consecutive blocks that do the
same thing (a recurrent cell applied per time step, one layer applied N times), found so that a
picture can draw one block and mark it ×N. Works on positions only; nothing here knows a tape."""
from __future__ import annotations

import bisect
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

MIN_REPEATS = 3  # two copies side by side read fine; a cell applied 40 times does not
MAX_PERIOD = 512  # longest block looked for, in operations
MAX_CANDIDATES = 32  # block lengths tried at one position: keeps the search linear in practice


@dataclass(frozen=True)
class Region:
    """Operations start ... start + period * count - 1: `count` repetitions of `period` ops."""

    start: int
    period: int
    count: int

    @property
    def end(self) -> int:
        return self.start + self.period * self.count

    def place(self, i: int) -> tuple[int, int]:
        """(repetition, offset in the block) of the operation at position i."""
        return divmod(i - self.start, self.period)


def find_repeats(sigs: Sequence[Hashable], sources: Sequence[tuple],
                 consumers: Sequence[Sequence[int]],
                 min_repeats: int = MIN_REPEATS) -> list[Region]:
    """Disjoint regions of repeated blocks in the operations 0 ... n-1 (in the order they ran).

    sigs[i]: what operation i is, apart from where its inputs come from (its primitive, module,
    shapes). sources[i]: per input, the position of the operation that made it (an int) or any
    other hashable for a leaf or constant (equal when the repetitions may share one drawing).
    consumers[i]: the positions of the operations that read operation i's result.

    Two consecutive blocks repeat when their operations have equal sigs and each input comes
    from the same relative place: an operation of the same repetition or the one before (the
    state a recurrent cell carries; the first repetition may read its initial state from
    anywhere), or from before the region at a fixed stride (the same tensor, or the next one of a
    sequence made earlier). Regions are taken greedily from the start, each covering as many
    operations as it can; then a region is dropped when an inner repetition's result goes to an
    operation outside it that neither reads the first repetition's counterpart (as a stack of all
    the steps' outputs does) nor is itself folded into another region (so folding loses no
    connection: three chunks of one tensor going to three different places stay three nodes)."""
    n = len(sigs)
    positions: dict = {}
    for i, s in enumerate(sigs):
        positions.setdefault(s, []).append(i)
    regions, a = [], 0
    while a < n:
        best = _best_at(a, sigs, sources, positions, min_repeats)
        if best is None:
            a += 1
        else:
            regions.append(best)
            a = best.end
    return _keep_connected(regions, consumers)


def _best_at(a: int, sigs, sources, positions: dict, min_repeats: int) -> Region | None:
    same = positions[sigs[a]]
    best = None
    first = bisect.bisect_right(same, a)
    for b in same[first:first + MAX_CANDIDATES]:
        p = b - a
        if p > MAX_PERIOD or (len(sigs) - a) // p < min_repeats:
            break
        count = _extend(a, p, sigs, sources)
        if count >= min_repeats and (best is None or count * p > best.count * best.period):
            best = Region(a, p, count)
            if best.end == len(sigs):
                break
    return best


def _extend(start: int, p: int, sigs, sources) -> int:
    """How many blocks of p operations from `start` repeat one another."""
    strides: dict = {}
    count = 1
    while start + (count + 1) * p <= len(sigs) and \
            _repeats(start, start + (count - 1) * p, p, sigs, sources, strides):
        count += 1
    return count


def _repeats(start: int, a: int, p: int, sigs, sources, strides: dict) -> bool:
    """Whether the block at a + p does what the block at a did (see find_repeats)."""
    for k in range(p):
        i = a + k
        if sigs[i] != sigs[i + p]:
            return False
        for j, (x, y) in enumerate(zip(sources[i], sources[i + p])):
            if isinstance(y, int) and y >= start:  # made inside the region
                if isinstance(x, int) and x >= start:
                    if y - x != p:
                        return False
                elif not (a == start and y < a + p):  # only the first may start from elsewhere
                    return False
            elif isinstance(y, int):  # made before the region
                if not isinstance(x, int) or x >= start or strides.setdefault((k, j), y - x) \
                        != y - x:
                    return False
            elif x != y:
                return False
    return True


def _keep_connected(regions: list[Region], consumers) -> list[Region]:
    """The regions whose inner repetitions send results only where folding keeps the link
    (dropping one may unfold what another relied on, hence the loop)."""
    reads = [set(c) for c in consumers]
    while True:
        hidden = {q: r for r in regions for q in range(r.start + r.period, r.end)}
        kept = [r for r in regions if _connected(r, reads, hidden)]
        if len(kept) == len(regions):
            return kept
        regions = kept


def _connected(r: Region, reads: list[set], hidden: dict) -> bool:
    for i in range(r.start + r.period, r.end - r.period):  # neither the first nor the last
        first = r.start + (i - r.start) % r.period
        for q in reads[i]:
            if not (r.start <= q < r.end or hidden.get(q, r) is not r or q in reads[first]):
                return False
    return True
