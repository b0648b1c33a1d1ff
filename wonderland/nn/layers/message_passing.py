"""MessagePassing: the base of the graph layers (PyTorch Geometric's pattern). propagate() gathers
each edge's source and target features (index_select), message() transforms them, the messages
are combined per target by scatter (sum, mean or max: index_add / scatter_reduce), and update()
finishes each node."""
from __future__ import annotations

import inspect

from ...core.tensor import Tensor
from ...functional.graph import check_edge_index, gather_rows, scatter
from ..module import Module

__all__ = ["MessagePassing"]

AGGREGATIONS = ("add", "sum", "mean", "max")


class MessagePassing(Module):
    """out_i = update(aggr_{j -> i} message(x_i, x_j, ...)) over the edges j -> i of edge_index
    (row 0 the sources j, row 1 the targets i). Subclasses write message() with any keyword
    arguments that propagate() receives: a name ending in _j reads that argument's row of the
    edge's source node, _i its target's; `index` is the targets (E,), `size_i` the node count."""

    def __init__(self, aggr: str = "add") -> None:
        super().__init__()
        if aggr not in AGGREGATIONS:
            raise ValueError(f"{type(self).__name__}: aggr must be one of {AGGREGATIONS}, got "
                             f"{aggr!r}")
        self.aggr = aggr
        self._message_args = [p for p in inspect.signature(self.message).parameters]

    def propagate(self, edge_index: Tensor, size: int | None = None, **kwargs) -> Tensor:
        """Gather, message, aggregate, update: the new features of every node."""
        if size is None:
            size = next((v.shape[0] for v in kwargs.values()
                         if isinstance(v, Tensor) and v.ndim), None)
        if size is None:
            raise ValueError(f"{type(self).__name__}.propagate: give node features or size")
        check_edge_index(edge_index, size, type(self).__name__)
        src, dst = edge_index[0], edge_index[1]
        args = {}
        for name in self._message_args:
            if name == "index":
                args[name] = dst
            elif name == "size_i":
                args[name] = size
            elif name.endswith(("_i", "_j")) and name[:-2] in kwargs:
                value = kwargs[name[:-2]]
                args[name] = gather_rows(value, dst if name.endswith("_i") else src)
            else:
                args[name] = kwargs.get(name)
        messages = self.message(**args)
        return self.update(self.aggregate(messages, dst, size))

    def message(self, x_j: Tensor) -> Tensor:
        """Each edge's message (E, ...): by default the source's features."""
        return x_j

    def aggregate(self, messages: Tensor, index: Tensor, size: int) -> Tensor:
        """Combine the messages of each target (self.aggr: sum, mean or max; 0 where none)."""
        return scatter(messages, index, size, "sum" if self.aggr == "add" else self.aggr)

    def update(self, aggregated: Tensor) -> Tensor:
        """Each node's output from its aggregated messages: by default unchanged."""
        return aggregated
