"""Learning-rate schedules, as torch.optim.lr_scheduler: construct over an optimizer, call
step() after each optimizer.step() (per epoch or per batch as the schedule intends)."""
from . import base as _base
from . import composite as _composite
from . import cosine as _cosine
from . import cyclic as _cyclic
from . import decay as _decay
from . import plateau as _plateau
from .base import *  # noqa: F403
from .composite import *  # noqa: F403
from .cosine import *  # noqa: F403
from .cyclic import *  # noqa: F403
from .decay import *  # noqa: F403
from .plateau import *  # noqa: F403

# the union of the families' lists
__all__ = [name for family in (_base, _composite, _cosine, _cyclic, _decay, _plateau)
           for name in family.__all__]
