"""Neural network building blocks: Module, Parameter, containers, init, and the layers."""
from . import functional, init, layers, modules, parallel, utils
from .containers import ModuleDict, ModuleList, Sequential
from .layers import *  # noqa: F403
from .module import Module
from .parallel import DataParallel
from .parameter import Parameter

__all__ = ["Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "functional", "init",
           "modules", "utils", "parallel", "DataParallel", *layers.__all__]
