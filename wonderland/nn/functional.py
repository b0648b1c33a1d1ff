"""wonderland.nn.functional (imported as F): the functional forms of the layers and losses, plus
the tensor functions PyTorch also lists there (pad, one_hot); relu, sigmoid and tanh are the
activations' forms, which take inplace= as PyTorch's."""
from ..functional import *  # noqa: F403
from ..ops import one_hot, pad  # noqa: F401
