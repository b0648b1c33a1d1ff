"""wonderland.autograd: PyTorch's name for the autodiff package (backward, grad, jvp, forward_ad,
Function, gradcheck, detect_anomaly), importable as a module of its own."""
from .autodiff import *  # noqa: F403
from .autodiff import __all__  # noqa: F401
