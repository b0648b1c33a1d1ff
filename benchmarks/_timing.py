"""The timing the benchmark scripts share."""
from __future__ import annotations

import time


def best_of(fn, repeats: int) -> float:
    """The fastest of `repeats` timed calls of fn(), in seconds, after one untimed warm-up."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)
