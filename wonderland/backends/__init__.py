"""wl.backends: PyTorch's torch.backends flags, kept so that programs that set them run
(`wl.backends.cudnn.benchmark = True`). Not wl.backend, the internal table of array namespaces."""
from . import cuda, cudnn, mps
from .matmul_precision import get_float32_matmul_precision, set_float32_matmul_precision

__all__ = ["cuda", "cudnn", "mps", "get_float32_matmul_precision", "set_float32_matmul_precision"]
