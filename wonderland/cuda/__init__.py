"""wl.cuda: what PyTorch programs ask about the GPU. Without a GPU backend (today's wonderland
computes on the CPU with NumPy) is_available() is False and device_count() 0, seeding and
synchronising do nothing, and questions about a particular GPU raise an error that says what to
do; `wl.cuda.amp` keeps PyTorch's legacy names for autocast and GradScaler."""
from __future__ import annotations

from ..backend import available
from ..core.device import no_backend_message
from . import amp

__all__ = ["amp", "is_available", "device_count", "is_initialized", "is_bf16_supported",
           "manual_seed", "manual_seed_all", "seed", "seed_all", "current_device", "set_device",
           "get_device_name", "get_device_capability", "get_device_properties", "synchronize",
           "empty_cache", "memory_allocated", "max_memory_allocated", "memory_reserved",
           "max_memory_reserved", "reset_peak_memory_stats"]


def is_available() -> bool:
    """Whether tensors can be put on 'cuda': whether a CUDA backend is registered."""
    return "cuda" in available()


def device_count() -> int:
    """How many GPUs there are to use: 0 without a CUDA backend (one device when there is)."""
    return 1 if is_available() else 0


def is_initialized() -> bool:
    """Whether the CUDA backend has started: as is_available() (it starts on import)."""
    return is_available()


def is_bf16_supported() -> bool:
    """Whether the GPU computes in bfloat16: False without one, as in PyTorch (bfloat16 on the
    CPU is wl.bfloat16, always there)."""
    return is_available()


def manual_seed(seed: int) -> None:
    """Seed the current GPU's generator; without a GPU there is none, and, as in PyTorch, the
    call does nothing (the CPU generator is wl.manual_seed's)."""
    int(seed)  # a seed that is no integer is refused as PyTorch does


def manual_seed_all(seed: int) -> None:
    """Seed every GPU's generator: nothing to do without a GPU (as manual_seed)."""
    int(seed)


def seed() -> None:
    """Seed the current GPU's generator from entropy: nothing to do without a GPU."""


def seed_all() -> None:
    """Seed every GPU's generator from entropy: nothing to do without a GPU."""


def _require() -> None:
    if not is_available():
        raise RuntimeError(no_backend_message("cuda"))


def current_device() -> int:
    """The index of the current GPU; raises without a GPU backend, as in PyTorch."""
    _require()
    return 0


def set_device(device) -> None:
    """Choose the current GPU; raises without a GPU backend."""
    _require()


def get_device_name(device=None) -> str:
    """The name of a GPU; raises without a GPU backend, as in PyTorch."""
    _require()
    return "cuda"


def get_device_capability(device=None) -> tuple[int, int]:
    """A GPU's compute capability; raises without a GPU backend, as in PyTorch."""
    _require()
    return (0, 0)


def get_device_properties(device=None):
    """A GPU's properties; raises without a GPU backend, as in PyTorch."""
    _require()


def synchronize(device=None) -> None:
    """Wait for the GPU's queued work: nothing runs asynchronously here, so a no-op (PyTorch
    without CUDA raises; a timing loop that synchronises runs unchanged here)."""


def empty_cache() -> None:
    """Release the GPU memory cache: a no-op without a GPU, as in PyTorch."""


def memory_allocated(device=None) -> int:
    """Bytes of GPU memory held by tensors: 0 without a GPU, as in PyTorch."""
    return 0


def max_memory_allocated(device=None) -> int:
    """The peak of memory_allocated: 0 without a GPU, as in PyTorch."""
    return 0


def memory_reserved(device=None) -> int:
    """Bytes of GPU memory the caching allocator holds: 0 without a GPU, as in PyTorch."""
    return 0


def max_memory_reserved(device=None) -> int:
    """The peak of memory_reserved: 0 without a GPU, as in PyTorch."""
    return 0


def reset_peak_memory_stats(device=None) -> None:
    """Restart the peaks: nothing to reset without a GPU."""
