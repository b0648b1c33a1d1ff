"""Composites written only with ops (no derivative code): what users reach as
wonderland.nn.functional (F), as in PyTorch. One family per module."""
from .activations import *  # noqa: F403
from .attention import *  # noqa: F403
from .conv import *  # noqa: F403
from .distances import *  # noqa: F403
from .graph import *  # noqa: F403
from .linear import *  # noqa: F403
from .losses import *  # noqa: F403
from .norms import *  # noqa: F403
from .pool import *  # noqa: F403
from .recurrent import *  # noqa: F403
