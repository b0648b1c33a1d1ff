"""The operations a picture draws: every tape node reachable from the outputs, in the order they
ran, each run of repeated blocks (repeats.py) folded onto its first block, and of what is left
the max_nodes nearest the outputs. Iterative throughout: a tape may be 10,000 operations deep."""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable

from ..core.tensor import Tensor
from .repeats import Region, find_repeats


class Folded:
    """ops[i]: a tensor made by the i-th operation (in running order); regions: the repeated
    runs, each drawn as its first block; stand_in(i): the operation drawn for operation i."""

    def __init__(self, ops: list[Tensor], regions: list[Region]):
        self.ops = ops
        self.pos = {id(t._node): i for i, t in enumerate(ops)}
        self.regions = regions
        self.region_at: dict[int, int] = {i: k for k, r in enumerate(regions)
                                           for i in range(r.start, r.end)}

    def position(self, x: Tensor) -> int:
        return self.pos[id(x._node)]

    def place(self, i: int) -> tuple[int, int] | None:
        """(region index, repetition) of operation i, or None when it is not repeated."""
        k = self.region_at.get(i)
        return None if k is None else (k, self.regions[k].place(i)[0])

    def stand_in(self, i: int) -> int:
        k = self.region_at.get(i)
        if k is None:
            return i
        r = self.regions[k]
        return r.start + r.place(i)[1]

    def members(self, i: int) -> list[int]:
        """The operations drawn as i (i itself first): one per repetition, or just i."""
        k = self.region_at.get(i)
        if k is None:
            return [i]
        r = self.regions[k]
        return list(range(i, r.end, r.period))

    def inputs(self, i: int) -> tuple:
        return self.ops[i]._node.inputs or ()


def fold(outputs: list[Tensor], sig: Callable[[Tensor], Hashable] | None,
         source: Callable[[Tensor], Hashable], ran: Callable | None = None) -> Folded:
    """Every operation behind `outputs`, in running order: ran(node) gives a node's place in the
    run where it is known (model_graph watches the run); the rest follow their latest input.
    sig(t): what t's operation is, for finding repeats (None: nothing is folded); source(x): the
    hashable that stands for an input x which no operation made (a leaf or a constant)."""
    ops = _in_running_order(_reachable(outputs), outputs, ran)
    if sig is None:
        return Folded(ops, [])
    pos = {id(t._node): i for i, t in enumerate(ops)}
    sources, consumers = [], [[] for _ in ops]
    for i, t in enumerate(ops):
        row = []
        for x in t._node.inputs or ():
            if x._node is None:
                row.append(source(x))
            else:
                row.append(pos[id(x._node)])
                consumers[row[-1]].append(i)
        sources.append(tuple(row))
    return Folded(ops, find_repeats([sig(t) for t in ops], sources, consumers))


def pick(folded: Folded, outputs: list[Tensor], max_nodes: int | None) -> tuple[list[int], int]:
    """The stand-ins to draw, breadth first from the outputs (so the first max_nodes are those
    nearest them), and how many more stand-ins lie beyond."""
    limit = float("inf") if max_nodes is None else max_nodes
    start = list(dict.fromkeys(folded.stand_in(folded.position(t)) for t in outputs
                               if t._node is not None))
    seen, queue = set(start), deque(start)
    drawn, hidden = [], 0
    while queue:
        i = queue.popleft()
        if len(drawn) < limit:
            drawn.append(i)
        else:
            hidden += 1
        for m in folded.members(i):
            for x in folded.inputs(m):
                if x._node is not None:
                    j = folded.stand_in(folded.position(x))
                    if j not in seen:
                        seen.add(j)
                        queue.append(j)
    return drawn, hidden


def _reachable(outputs: list[Tensor]) -> list[Tensor]:
    """One tensor per tape node behind the outputs, each node once."""
    found, seen = [], set()
    stack = [t for t in outputs if t._node is not None]
    while stack:
        t = stack.pop()
        if id(t._node) in seen:
            continue
        seen.add(id(t._node))
        found.append(t)
        stack.extend(x for x in t._node.inputs or () if x._node is not None
                     and id(x._node) not in seen)
    return found


def _in_running_order(ops: list[Tensor], outputs: list[Tensor],
                      ran: Callable | None) -> list[Tensor]:
    """A topological order (each operation after those it reads) close to the one they ran in:
    by ran() where known; otherwise depth first from the outputs, each operation emitted once
    its inputs are, taken in argument order (a recurrent chain then comes out one step after
    another, or as two runs: the parts of the steps before their state is read, last step
    first, then the rest, first step first)."""
    index = {id(t._node): i for i, t in enumerate(ops)}
    reads = [[index[id(x._node)] for x in t._node.inputs or () if x._node is not None]
             for t in ops]
    order, done = [], [False] * len(ops)
    for root in (index[id(t._node)] for t in outputs if t._node is not None):
        stack = [] if done[root] else [(root, iter(reads[root]))]
        while stack:
            i, todo = stack[-1]
            j = next((j for j in todo if not done[j]), None)
            if j is None:  # all of i's inputs are out (a DAG: none of them is on the stack)
                stack.pop()
                done[i] = True
                order.append(i)
            else:
                stack.append((j, iter(reads[j])))
    if ran is not None:
        key: dict[int, float] = {}
        for i in order:
            known = ran(ops[i]._node)
            key[i] = known if known is not None else max((key[j] for j in reads[i]), default=-1)
        order.sort(key=key.__getitem__)  # stable: equals keep their topological order
    return [ops[i] for i in order]
