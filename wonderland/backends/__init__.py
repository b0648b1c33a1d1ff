"""wl.backends: PyTorch's torch.backends flags, kept so that programs that set them run
(`wl.backends.cudnn.benchmark = True`). Not wl.backend, the internal table of array namespaces."""
from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
