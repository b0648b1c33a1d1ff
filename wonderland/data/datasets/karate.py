"""Zachary's karate club (1977) from networkx: 34 members, 78 friendships, and the two factions
the club split into (Mr. Hi's and the Officer's)."""
from __future__ import annotations

import numpy as np

__all__ = ["KarateClub"]


class KarateClub:
    """x: one-hot node identities (34, 34) float32; edge_index (2, 156) int64, both directions
    of every friendship; y (34,) int64, 0 for Mr. Hi's faction, 1 for the Officer's;
    labelled: one member of each faction (Mr. Hi, node 0, and the Officer, node 33)."""

    def __init__(self) -> None:
        import networkx as nx  # an optional dependency (the data extra)

        g = nx.karate_club_graph()
        pairs = np.array(list(g.edges()), dtype=np.int64).T
        self.edge_index = np.concatenate([pairs, pairs[::-1]], axis=1)
        self.x = np.eye(g.number_of_nodes(), dtype=np.float32)
        self.y = np.array([g.nodes[i]["club"] == "Officer" for i in g.nodes], dtype=np.int64)
        self.labelled = np.array([0, 33], dtype=np.int64)

    @property
    def num_nodes(self) -> int:
        return len(self.x)

    def __repr__(self) -> str:
        return f"KarateClub({self.num_nodes} nodes, {self.edge_index.shape[1]} directed edges)"
