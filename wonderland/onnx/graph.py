"""The ONNX graph under construction: nodes, initializers and fresh names, with the few
helpers the converters share (constants, reductions whose axes moved from an attribute to an
input at opset 18)."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper


class Graph:
    """Nodes and initializers of one exported graph, for one opset."""

    def __init__(self, opset: int) -> None:
        self.opset = opset
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def fresh(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def node(self, op: str, inputs: list[str], outputs: int = 1, **attrs) -> str | list[str]:
        """Append one node; its output name (or names, when outputs > 1)."""
        names = [self.fresh(op) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op, inputs, names, name=self.fresh(f"{op}_node"),
                                           **attrs))
        return names[0] if outputs == 1 else names

    def initializer(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.asarray(value, order="C"), name))
        return name

    def const(self, value, dtype=None, hint: str = "const") -> str:
        """A constant (an initializer) of the given NumPy dtype."""
        return self.initializer(self.fresh(hint), np.asarray(value, dtype=dtype))

    def ints(self, values) -> str:
        return self.const(list(values), np.int64, "ints")

    def reduce(self, op: str, x: str, axes, keepdims: bool) -> str:
        """ReduceSum/Mean/Max/Min/Prod over axes: an input from opset 18 (13 for ReduceSum)."""
        axes = [int(a) for a in axes]
        if op == "ReduceSum" or self.opset >= 18:
            return self.node(op, [x, self.ints(axes)], keepdims=int(keepdims))
        return self.node(op, [x], axes=axes, keepdims=int(keepdims))
