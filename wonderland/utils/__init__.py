"""PyTorch's torch.utils path: `wonderland.utils.data` is wonderland.data itself (the same module
objects, not copies), submodules included, so `from torch.utils.data.dataloader import DataLoader`
runs renamed."""
import sys

from .. import data
from ..data import dataloader, dataset, sampler

# registered as modules under both names: importing the PyTorch path finds them, never reloads them
for _path, _module in {"data": data, "data.dataloader": dataloader, "data.dataset": dataset,
                       "data.sampler": sampler}.items():
    sys.modules[f"{__name__}.{_path}"] = _module
del _path, _module

__all__ = ["data"]
