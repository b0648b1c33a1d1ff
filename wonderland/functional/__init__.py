"""Composites written only with ops (no derivative code): what users reach as
wonderland.nn.functional (F), as in PyTorch. One family per module."""
from . import activations as _activations
from . import attention as _attention
from . import conv as _conv
from . import distances as _distances
from . import embedding_bag as _embedding_bag
from . import fold as _fold
from . import graph as _graph
from . import linear as _linear
from . import losses as _losses
from . import norms as _norms
from . import pairwise as _pairwise
from . import pool as _pool
from . import recurrent as _recurrent
from . import shuffle as _shuffle
from . import winograd as _winograd
from .activations import *  # noqa: F403
from .attention import *  # noqa: F403
from .conv import *  # noqa: F403
from .distances import *  # noqa: F403
from .embedding_bag import *  # noqa: F403
from .fold import *  # noqa: F403
from .graph import *  # noqa: F403
from .linear import *  # noqa: F403
from .losses import *  # noqa: F403
from .norms import *  # noqa: F403
from .pairwise import *  # noqa: F403
from .pool import *  # noqa: F403
from .recurrent import *  # noqa: F403
from .shuffle import *  # noqa: F403
from .winograd import *  # noqa: F403

# the union of the families' lists
__all__ = [name for family in (_activations, _attention, _conv, _distances, _embedding_bag,
                               _fold, _graph, _linear, _losses, _norms, _pairwise, _pool,
                               _recurrent, _shuffle, _winograd)
           for name in family.__all__]
