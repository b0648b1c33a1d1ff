"""PyTorch's torch.utils path: `wonderland.utils.data` is wonderland.data, so `from torch.utils.data
import DataLoader` runs renamed."""
from . import data

__all__ = ["data"]
