"""Automatic differentiation: the reverse-mode tape walk and forward-mode dual numbers."""
from .forward import dual_level, jvp, make_dual, unpack_dual
from .reverse import backward, grad

__all__ = ["backward", "grad", "jvp", "dual_level", "make_dual", "unpack_dual"]
