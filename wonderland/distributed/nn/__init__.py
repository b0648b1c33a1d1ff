"""wonderland.distributed.nn: the differentiable collectives (torch.distributed.nn)."""
from . import functional
from .functional import all_gather, all_reduce, broadcast, reduce, reduce_scatter

__all__ = ["functional", "all_reduce", "all_gather", "reduce_scatter", "broadcast", "reduce"]
