"""Learning-rate schedules, as torch.optim.lr_scheduler: construct over an optimizer, call
step() after each optimizer.step() (per epoch or per batch as the schedule intends)."""
from .base import *  # noqa: F403
from .composite import *  # noqa: F403
from .cosine import *  # noqa: F403
from .cyclic import *  # noqa: F403
from .decay import *  # noqa: F403
from .plateau import *  # noqa: F403
