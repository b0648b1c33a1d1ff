"""Optimizers (one per file, each docstring giving its update rule and what it added), learning
rate schedules, gradient clipping and weight averaging."""
from . import lr_scheduler
from .adabelief import *  # noqa: F403
from .adadelta import *  # noqa: F403
from .adafactor import *  # noqa: F403
from .adagrad import *  # noqa: F403
from .adam import *  # noqa: F403
from .adamax import *  # noqa: F403
from .adamw import *  # noqa: F403
from .clip import *  # noqa: F403
from .ema import *  # noqa: F403
from .lamb import *  # noqa: F403
from .lbfgs import *  # noqa: F403
from .lion import *  # noqa: F403
from .nadam import *  # noqa: F403
from .nadamw import *  # noqa: F403
from .newton_cg import *  # noqa: F403
from .optimizer import Optimizer
from .radam import *  # noqa: F403
from .rmsprop import *  # noqa: F403
from .sgd import SGD
