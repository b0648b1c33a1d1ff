"""wonderland.nn.functional (imported as F): the functional forms of the layers and losses, plus
the tensor functions PyTorch also lists there (relu, sigmoid, tanh, pad, one_hot)."""
from ..functional import *  # noqa: F403
from ..ops import one_hot, pad, relu, sigmoid, tanh  # noqa: F401
