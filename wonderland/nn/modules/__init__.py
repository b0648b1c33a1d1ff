"""PyTorch's module paths for the layers (`torch.nn.modules.linear.Linear`,
`torch.nn.modules.activation.MultiheadAttention`), which programs name in load allowlists and
subclass (`nn.modules.loss._Loss`). Each submodule is an alias that holds the classes of the
wonderland files where those layers live; `wonderland.nn.layers` stays the one home of the code."""
from __future__ import annotations

import sys
import types

from .. import containers, module
from ..layers import (
    activation,
    attention,
    conv,
    distance,
    dropout,
    embedding,
    fold,
    linear,
    loss,
    norm,
    padding,
    pool,
    rnn,
    shuffle,
    transformer,
)

# PyTorch's submodule name -> the wonderland modules whose classes it holds
_HOMES = {
    "module": (module,), "container": (containers,), "activation": (activation, attention),
    "linear": (linear,), "flatten": (linear,), "conv": (conv,), "distance": (distance,),
    "dropout": (dropout,), "sparse": (embedding,), "fold": (fold,), "loss": (loss,),
    "batchnorm": (norm,), "instancenorm": (norm,), "normalization": (norm,),
    "padding": (padding,), "pooling": (pool,), "upsampling": (pool,), "rnn": (rnn,),
    "pixelshuffle": (shuffle,), "transformer": (transformer,),
}


def _alias(name: str, homes: tuple) -> types.ModuleType:
    alias = types.ModuleType(f"{__name__}.{name}", f"PyTorch's nn.modules.{name}: the classes "
                             f"of {', '.join(h.__name__ for h in homes)}.")
    for home in homes:
        for attr, value in vars(home).items():
            if isinstance(value, type) and value.__module__ == home.__name__:
                setattr(alias, attr, value)
    sys.modules[alias.__name__] = alias
    return alias


for _name, _homes in _HOMES.items():
    globals()[_name] = _alias(_name, _homes)
del _name, _homes

__all__ = sorted(_HOMES)
