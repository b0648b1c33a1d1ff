"""The layers, one family per module; each is a Module over wonderland.functional."""
from . import activation as _activation
from . import attention as _attention
from . import conv as _conv
from . import distance as _distance
from . import dropout as _dropout
from . import embedding as _embedding
from . import fold as _fold
from . import graph as _graph
from . import linear as _linear
from . import loss as _loss
from . import norm as _norm
from . import padding as _padding
from . import pool as _pool
from . import rnn as _rnn
from . import shuffle as _shuffle
from . import transformer as _transformer
from .activation import *  # noqa: F403
from .attention import *  # noqa: F403
from .conv import *  # noqa: F403
from .distance import *  # noqa: F403
from .dropout import *  # noqa: F403
from .embedding import *  # noqa: F403
from .fold import *  # noqa: F403
from .graph import *  # noqa: F403
from .linear import *  # noqa: F403
from .loss import *  # noqa: F403
from .norm import *  # noqa: F403
from .padding import *  # noqa: F403
from .pool import *  # noqa: F403
from .rnn import *  # noqa: F403
from .shuffle import *  # noqa: F403
from .transformer import *  # noqa: F403

# the union of the families' lists
__all__ = [name for family in (_activation, _attention, _conv, _distance, _dropout,
                               _embedding, _fold, _graph, _linear, _loss, _norm, _padding,
                               _pool, _rnn, _shuffle, _transformer) for name in family.__all__]
