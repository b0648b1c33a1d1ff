"""Pictures of computations: the tape behind a tensor (graph), a model's forward pass
(model_graph), written to png/svg/pdf by render (the graphviz package, imported lazily); and of
what models make: image grids, 2-D densities and phase portraits (pictures.py, matplotlib) and
GIFs of samplers' trajectories (animation.py)."""
from .animation import save_gif
from .modules import model_graph
from .pictures import density_plot, image_grid, phase_portrait, save_image_grid
from .render import render
from .tape import graph

__all__ = ["density_plot", "graph", "image_grid", "model_graph", "phase_portrait", "render",
           "save_gif", "save_image_grid"]
