"""The boxes (graphviz clusters) of a picture: model_graph's submodule calls, and each repeated
block drawn once and marked ×N, nested inside the call that ran the repetitions; then the nodes
written into the Digraph, box inside box."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .folding import Folded


@dataclass
class Calls:
    """model_graph's submodule calls: op_group(node) and leaf_group(tensor) give the key of the
    call a node belongs to (or None); clusters maps each key to (label, parent key or None) and
    paths each key to the module's path in the model."""

    op_group: Callable
    leaf_group: Callable
    clusters: Mapping
    paths: Mapping


def repeat_boxes(folded: Folded, drawn: list[int],
                 calls: Calls | None) -> tuple[dict[int, object], dict]:
    """(box key of each drawn operation, {box key: (label, parent key)}): a repeated block's box
    goes in the innermost call holding all its repetitions (a GRU's steps are all in the GRU's
    call; a cell called per step has a call per repetition); the calls of the first repetition
    go in its box when nothing else is drawn in them, else their operations go in it directly."""
    clusters = dict(calls.clusters) if calls else {}
    group = {i: calls.op_group(folded.ops[i]._node) if calls else None for i in drawn}
    box = dict(group)
    for k, r in enumerate(folded.regions):
        first = [i for i in range(r.start, r.start + r.period) if i in group]
        if not first:
            continue
        key = ("repeat", k)
        every = range(r.start, r.end)  # the box holds all repetitions, not only the one drawn
        inner = _common(clusters, [calls.op_group(folded.ops[i]._node) for i in every]
                        if calls else [None])
        clusters[key] = (f"×{r.count} (the first of {r.count} repetitions drawn)", inner)
        for i in first:
            top = _below(clusters, group[i], inner)
            if top == key:
                continue  # i's call has been moved into the repeat's box already
            if top is not None and _only(clusters, group, top, set(first)):
                clusters[top] = (clusters[top][0], key)
            else:
                box[i] = key
    return box, clusters


def _ancestors(clusters: Mapping, key) -> list:
    """key, its parent, ... up to the outermost box (empty for None)."""
    out = []
    while key is not None:
        out.append(key)
        key = clusters[key][1]
    return out


def _common(clusters: Mapping, keys: list):
    """The innermost box holding all `keys` (None: the picture itself)."""
    shared = _ancestors(clusters, keys[0])
    for key in keys[1:]:
        mine = set(_ancestors(clusters, key))
        shared = [a for a in shared if a in mine]
    return shared[0] if shared else None


def _below(clusters: Mapping, key, outer):
    """The box just inside `outer` on the way out from `key` (None when key is outer)."""
    chain = _ancestors(clusters, key)
    return next((a for a in chain if clusters[a][1] == outer), None) if key != outer else None


def _only(clusters: Mapping, group: dict, top, ops: set) -> bool:
    """Whether every drawn operation inside box `top` is one of `ops`."""
    return all(i in ops for i, g in group.items() if top in _ancestors(clusters, g))


def emit(gv, dot, nodes: dict, clusters: Mapping) -> None:
    """Top-level nodes into `dot`, the rest into nested clusters, built children first so that no
    recursion is needed; a cluster with nothing in it (and nothing below it) is left out.
    nodes: {box key or None: [(name, label lines, attributes)]}."""
    def add(g, entries):
        for name, label, attrs in entries:
            g.node(name, gv.nohtml(r"\n".join(gv.escape(part) for part in label)), **attrs)

    add(dot, nodes.get(None, ()))
    full = set()
    for key in nodes:
        while key is not None and key not in full:
            full.add(key)
            key = clusters[key][1]

    position = {key: i for i, key in enumerate(clusters)}
    built: dict = {}
    children: dict = {}
    for key in sorted(full, key=lambda k: (-len(_ancestors(clusters, k)), position[k])):
        label, parent = clusters[key]
        repeated = isinstance(key, tuple) and key[0] == "repeat"
        sub = gv.Digraph(f"cluster_{position[key]}",
                         graph_attr=dict(label=label, fontname="Helvetica", fontsize="10",
                                         **(_REPEAT if repeated else _CALL)))
        add(sub, nodes.get(key, ()))
        for child in children.get(key, ()):
            sub.subgraph(built[child])
        built[key] = sub
        children.setdefault(parent, []).append(key)
    for key in children.get(None, ()):
        dot.subgraph(built[key])


_CALL = dict(style="rounded,dashed", color="gray50")
_REPEAT = dict(style="rounded,filled", color="#7f6000", fillcolor="#fff8e5", penwidth="2")
