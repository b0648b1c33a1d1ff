"""Automatic differentiation: the reverse-mode tape walk, forward-mode dual numbers, gradient
checks and anomaly detection."""
from . import forward as forward_ad  # wl.autograd.forward_ad.dual_level, as in PyTorch
from .anomaly import (
    AnomalyError,
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from .check import GradcheckError, gradcheck, gradgradcheck
from .custom import Function, FunctionCtx
from .forward import dual_level, jvp, make_dual, unpack_dual
from .reverse import backward, grad

__all__ = ["backward", "grad", "jvp", "dual_level", "make_dual", "unpack_dual", "forward_ad",
           "gradcheck", "gradgradcheck", "GradcheckError", "detect_anomaly", "set_detect_anomaly",
           "is_anomaly_enabled", "is_anomaly_check_nan_enabled", "AnomalyError", "Function",
           "FunctionCtx"]
