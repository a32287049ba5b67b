"""CPU timing for the lectures that measure what an algorithm costs."""

from __future__ import annotations

import time
from collections.abc import Callable

from threadpoolctl import threadpool_limits


def best_time(fn: Callable[[], object], repeat: int = 7) -> float:
    """Least CPU time, in seconds, of ``repeat`` calls of ``fn`` (after one warm-up call).

    The BLAS thread pools are capped at one thread while timing, so all the work runs on the
    calling thread, and its CPU time (``time.thread_time``) is what is measured: unlike the wall
    time, it does not grow when other programs share the machine's cores.
    """
    with threadpool_limits(limits=1):
        fn()
        best = float("inf")
        for _ in range(repeat):
            start = time.thread_time()
            fn()
            best = min(best, time.thread_time() - start)
    return best
