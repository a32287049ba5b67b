"""Wall-clock timing for the lectures that measure what an algorithm costs."""

from __future__ import annotations

import time
from collections.abc import Callable

from threadpoolctl import threadpool_limits


def best_time(fn: Callable[[], object], repeat: int = 7, threads: int | None = 1) -> float:
    """Best wall time of ``repeat`` calls of ``fn`` (after one warm-up call), in seconds.

    The minimum is the least noisy estimate on a shared machine. ``threads`` caps the BLAS
    thread pools while timing (``None``: leave them), which makes small timings steadier.
    """
    with threadpool_limits(limits=threads):
        fn()
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
    return best
