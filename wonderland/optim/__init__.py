"""Optimizers (one per file, each docstring giving its update rule and what it added), learning
rate schedules, gradient clipping and weight averaging."""
from . import adabelief as _adabelief
from . import adadelta as _adadelta
from . import adafactor as _adafactor
from . import adagrad as _adagrad
from . import adam as _adam
from . import adamax as _adamax
from . import adamw as _adamw
from . import clip as _clip
from . import ema as _ema
from . import lamb as _lamb
from . import lbfgs as _lbfgs
from . import lion as _lion
from . import lr_scheduler
from . import nadam as _nadam
from . import nadamw as _nadamw
from . import newton_cg as _newton_cg
from . import radam as _radam
from . import rmsprop as _rmsprop
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

# the base class, SGD, the schedules and the union of the optimizers' files' lists
__all__ = ["Optimizer", "SGD", "lr_scheduler"] + [name for family in (_adabelief, _adadelta,
           _adafactor, _adagrad, _adam, _adamax, _adamw, _clip, _ema, _lamb, _lbfgs, _lion, _nadam,
           _nadamw, _newton_cg, _radam, _rmsprop) for name in family.__all__]
