"""wonderland.nn.utils, as torch.nn.utils: gradient clipping, parameters as one vector,
weight_norm and spectral_norm, and the variable-length sequence tools in `rnn`."""
from . import clip_grad as _clip_grad
from . import convert_parameters as _convert_parameters
from . import rnn
from . import spectral_norm as _spectral_norm
from . import weight_norm as _weight_norm
from .clip_grad import *  # noqa: F403
from .convert_parameters import *  # noqa: F403
from .spectral_norm import *  # noqa: F403
from .weight_norm import *  # noqa: F403

__all__ = ["rnn", *(name for family in (_clip_grad, _convert_parameters, _spectral_norm,
                                         _weight_norm) for name in family.__all__)]
