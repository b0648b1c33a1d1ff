"""The table of converters: primitive name -> function(graph, prim, input names, input tensors,
output tensor) -> the name of the ONNX value that stands for the output. The families register
themselves in convert_*.py."""
from __future__ import annotations

from collections.abc import Callable

CONVERTERS: dict[str, Callable] = {}


def converts(*names: str) -> Callable:
    """Register the decorated function as the converter of the primitives named."""
    def register(fn: Callable) -> Callable:
        for name in names:
            CONVERTERS[name] = fn
        return fn

    return register
