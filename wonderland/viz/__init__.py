"""Pictures of computations: the tape behind a tensor (graph), a model's forward pass
(model_graph), written to png/svg/pdf by render. Needs the graphviz package, imported lazily."""
from .modules import model_graph
from .render import render
from .tape import graph

__all__ = ["graph", "model_graph", "render"]
