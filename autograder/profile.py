"""Where a grading run's seconds go: the coordinator's phases and, summed over submissions, the
phases each worker reports (``grade --profile``)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from tabulate import tabulate


class Profile:
    """Seconds per phase, on the coordinator's side and summed over the workers' jobs."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.coordinator: dict[str, float] = {}
        self.workers: dict[str, float] = {}
        self.jobs = 0
        self.first_result: float | None = None

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the ``with`` block as the coordinator's phase ``name``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.coordinator[name] = self.coordinator.get(name, 0.0) + time.perf_counter() - start

    def job(self, timings: dict[str, float]) -> None:
        """Add one finished job's phases (as its worker measured them)."""
        if self.first_result is None:
            self.first_result = time.perf_counter() - self.start
        self.jobs += 1
        for name, seconds in timings.items():
            self.workers[name] = self.workers.get(name, 0.0) + seconds

    def table(self) -> str:
        """The profile as a table: each phase's seconds in all and per submission."""
        wall = time.perf_counter() - self.start
        n = max(self.jobs, 1)
        rows = [["coordinator", name, seconds, seconds / n] for name, seconds in self.coordinator.items()]
        rows += [["workers", name, seconds, seconds / n]
                 for name, seconds in sorted(self.workers.items(), key=lambda kv: -kv[1])]
        first = "none" if self.first_result is None else f"{self.first_result:.1f} s"
        return (tabulate(rows, headers=["side", "phase", "seconds", "per submission"],
                         floatfmt=".2f", tablefmt="github")
                + f"\n{self.jobs} notebooks run; wall time {wall:.1f} s; first result after {first}"
                "; worker seconds are summed over slots running at once")
