"""Keep freed array memory in the process instead of handing it back to the OS at every free.

A training step allocates and frees the same large arrays every time. glibc's malloc serves
blocks above its mmap threshold (128 KiB at first, rising to at most 32 MiB) with fresh mmap
pages and unmaps them on free, and trims the heap top whenever 128 KiB lie free there, so each
step pays again for page faults on every new page: measured at 10-20% of a CNN or GPT step.
Raising both thresholds turns malloc into a cache of its own freed memory, as frameworks'
allocators are; the price is that the resident size stays near its peak. Set
WONDERLAND_KEEP_FREED_MEMORY=0 to leave malloc as it is."""
from __future__ import annotations

import ctypes
import os
import platform

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)
MMAP_THRESHOLD = 32 << 20  # the largest glibc accepts on 64-bit systems
TRIM_THRESHOLD = 512 << 20  # free memory kept at the top of the heap before it is returned


def keep_freed_memory() -> bool:
    """Raise glibc malloc's mmap and trim thresholds; whether it was done (glibc only)."""
    if os.environ.get("WONDERLAND_KEEP_FREED_MEMORY", "1") == "0":
        return False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    # mallopt returns 1 on success; setting either threshold also stops glibc adjusting it
    return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
