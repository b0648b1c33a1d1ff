"""Reading back the DOT text that wonderland.viz writes: nodes by name with their label lines
and attributes, edges as (tail, head, attributes), clusters with their labels and nesting."""
from __future__ import annotations

import re

_ATTR = re.compile(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s\]]+))')
_NODE = re.compile(r"^\s*(\w+) \[(.*)\]$")
_EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$")


def attrs(text: str | None) -> dict[str, str]:
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _ATTR.finditer(text or "")}


class Dot:
    def __init__(self, source: str):
        self.nodes: dict[str, dict] = {}
        self.edges: list[tuple[str, str, dict]] = []
        self.clusters: list[str] = []
        self.parent: dict[str, str | None] = {}  # node -> label of the cluster it is in
        self.outer: dict[str, str | None] = {}  # cluster label -> label of the one it is in
        stack: list[str | None] = [None]
        for line in source.splitlines():
            if line.strip().startswith("subgraph cluster_"):
                stack.append("?")
            elif line.strip() == "}":
                stack.pop()
            elif (e := _EDGE.match(line)) is not None:
                self.edges.append((e.group(1), e.group(2), attrs(e.group(3))))
            elif (n := _NODE.match(line)) is not None:
                name, a = n.group(1), attrs(n.group(2))
                if name == "graph":
                    if stack[-1] == "?":
                        stack[-1] = a["label"]
                        self.clusters.append(a["label"])
                        self.outer[a["label"]] = stack[-2]
                elif name not in ("node", "edge"):
                    self.nodes[name] = a
                    self.parent[name] = stack[-1]

    def label(self, name: str) -> list[str]:
        return self.nodes[name]["label"].split(r"\n")

    def title(self, name: str) -> str:
        return self.label(name)[0]

    def ops(self) -> list[str]:
        return [n for n in self.nodes if n.startswith("op")]

    def leaves(self) -> list[str]:
        return [n for n in self.nodes if n.startswith("leaf")]

    def titled_edges(self) -> list[tuple[str, str]]:
        """Edges as (tail's first label line, head's first label line), sorted."""
        return sorted((self.title(t), self.title(h)) for t, h, _ in self.edges)
