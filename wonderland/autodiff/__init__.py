"""Automatic differentiation: the reverse-mode tape walk and forward-mode dual numbers."""
from . import forward as forward_ad  # wl.autograd.forward_ad.dual_level, as in PyTorch
from .forward import dual_level, jvp, make_dual, unpack_dual
from .reverse import backward, grad

__all__ = ["backward", "grad", "jvp", "dual_level", "make_dual", "unpack_dual", "forward_ad"]
